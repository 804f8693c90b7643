// The optimisers' fused update loops: one pass per parameter, in place, no graph. SGD and
// Adam (Optim/) compute hyper-parameters and keep state as tensors; the raw loops and the
// dispatch on dtype are here.

extension Tensor {
    /// A tensor of `other`'s shape and dtype whose elements are not initialised: for buffers
    /// a kernel writes whole before anything reads them.
    static func uninitialized(like other: Tensor) -> Tensor {
        Tensor(storage: Storage(dtype: other.dtype, count: other.count), shape: other.shape)
    }
}

/// One SGD step on `param` in place (with its momentum `buffer`, written on the first step).
func sgdStep(_ param: Tensor, grad: Tensor, buffer: Tensor?, _ h: SGDHyper) {
    switch param.dtype {
    case .float32: sgdUpdate(Float.self, param.storage, grad.storage, buffer?.storage, h)
    case .float64: sgdUpdate(Double.self, param.storage, grad.storage, buffer?.storage, h)
    case .int64, .int32, .uint8, .bool: notImplemented("sgd", param.dtype)
    }
}

/// One Adam step on `param` in place, updating the moment buffers.
func adamStep(_ param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor?, _ h: AdamHyper) {
    switch param.dtype {
    case .float32:
        adamUpdate(Float.self, param.storage, grad.storage, expAvg.storage, expAvgSq.storage, maxExpAvgSq?.storage, h)
    case .float64:
        adamUpdate(Double.self, param.storage, grad.storage, expAvg.storage, expAvgSq.storage, maxExpAvgSq?.storage, h)
    case .int64, .int32, .uint8, .bool: notImplemented("adam", param.dtype)
    }
}

/// One fused pass over a parameter's buffer; the common cases get their own loops so the
/// inner loops carry no branches.
@inline(__always)
func sgdUpdate<T: KernelScalar>(_: T.Type, _ param: Storage, _ grad: Storage, _ buffer: Storage?, _ h: SGDHyper) {
    let p = param.pointer(T.self), g = grad.readPointer(T.self)
    let n = param.count
    let negLr = T(-h.lr), wd = T(h.weightDecay)
    guard h.momentum != 0, let buffer else {
        parallelChunks(n) { lo, hi in
            if h.weightDecay == 0 {
                for i in lo..<hi { p[i] += negLr * g[i] }
            } else {
                for i in lo..<hi { p[i] += negLr * (g[i] + wd * p[i]) }
            }
        }
        return
    }
    let b = buffer.pointer(T.self)
    let mu = T(h.momentum), keep = T(1 - h.dampening)
    switch (h.first, h.nesterov) {
    case (true, false):
        for i in 0..<n {
            let d = g[i] + wd * p[i]
            b[i] = d
            p[i] += negLr * d
        }
    case (true, true):
        for i in 0..<n {
            let d = g[i] + wd * p[i]
            b[i] = d
            p[i] += negLr * (d + mu * d)
        }
    case (false, false):
        for i in 0..<n {
            let d = g[i] + wd * p[i]
            let v = b[i] * mu + keep * d
            b[i] = v
            p[i] += negLr * v
        }
    case (false, true):
        for i in 0..<n {
            let d = g[i] + wd * p[i]
            let v = b[i] * mu + keep * d
            b[i] = v
            p[i] += negLr * (d + mu * v)
        }
    }
}

/// One fused pass: decay, both moment updates and the parameter update per element.
@inline(__always)
func adamUpdate<T: KernelScalar>(
    _: T.Type, _ param: Storage, _ grad: Storage, _ expAvg: Storage, _ expAvgSq: Storage, _ maxExpAvgSq: Storage?, _ h: AdamHyper
) {
    let p = param.pointer(T.self), g = grad.readPointer(T.self)
    let m = expAvg.pointer(T.self), v = expAvgSq.pointer(T.self)
    let n = param.count
    let w1 = T(1 - h.beta1), b2 = T(h.beta2), w2 = T(1 - h.beta2)
    let negStep = T(-h.stepSize), bc2 = T(h.bias2Sqrt), eps = T(h.eps)
    let l2 = h.decoupled ? T.zero : T(h.weightDecay)
    if h.decoupled && h.weightDecay != 0 {
        let shrink = T(1 - h.lr * h.weightDecay)
        for i in 0..<n { p[i] *= shrink }
    }
    if let vmax = maxExpAvgSq?.pointer(T.self) {
        for i in 0..<n {
            let d = g[i] + l2 * p[i]
            m[i] += w1 * (d - m[i])
            v[i] = v[i] * b2 + w2 * d * d
            vmax[i] = Swift.max(vmax[i], v[i])
            p[i] += negStep * (m[i] / (vmax[i].squareRoot() / bc2 + eps))
        }
    } else {
        for i in 0..<n {
            let d = g[i] + l2 * p[i]
            m[i] += w1 * (d - m[i])
            v[i] = v[i] * b2 + w2 * d * d
            p[i] += negStep * (m[i] / (v[i].squareRoot() / bc2 + eps))
        }
    }
}
