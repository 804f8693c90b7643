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
    let p = param.pointer(T.self), g = grad.readPointer(T.self), level = KernelStrategy.level
    let negLr = T(-h.lr), wd = T(h.weightDecay), mu = T(h.momentum), keep = T(1 - h.dampening)
    // The C kernel's modes: without momentum 0 (no decay) or 1; with it 2 + Nesterov on the first
    // step (the buffer starts as d), 4 + Nesterov after.
    let b = h.momentum != 0 ? buffer?.pointer(T.self) : nil
    let mode: Int32 = b == nil ? (h.weightDecay == 0 ? 0 : 1) : (h.first ? 2 : 4) + (h.nesterov ? 1 : 0)
    parallelChunks(param.count) { lo, hi in T.sgd(mode, p, g, b, lo, hi, negLr: negLr, wd: wd, mu: mu, keep: keep, level: level) }
}

/// One fused pass: decay, both moment updates and the parameter update per element.
@inline(__always)
func adamUpdate<T: KernelScalar>(
    _: T.Type, _ param: Storage, _ grad: Storage, _ expAvg: Storage, _ expAvgSq: Storage, _ maxExpAvgSq: Storage?, _ h: AdamHyper
) {
    let p = param.pointer(T.self), g = grad.readPointer(T.self)
    let m = expAvg.pointer(T.self), v = expAvgSq.pointer(T.self), vmax = maxExpAvgSq?.pointer(T.self)
    let n = param.count, level = KernelStrategy.level
    if h.decoupled && h.weightDecay != 0 {
        var shrink = T(1 - h.lr * h.weightDecay)
        withUnsafePointer(to: &shrink) { s in
            parallelChunks(n) { lo, hi in T.binary(.multiply, p + lo, 1, s, 0, p + lo, hi - lo, level: level) }
        }
    }
    let adam = AdamCoefficients(w1: T(1 - h.beta1), b2: T(h.beta2), w2: T(1 - h.beta2), negStep: T(-h.stepSize),
                                bc2: T(h.bias2Sqrt), eps: T(h.eps), l2: h.decoupled ? T.zero : T(h.weightDecay))
    parallelChunks(n) { lo, hi in T.adam(p, g, m, v, vmax, lo, hi, adam, level: level) }
}

/// Adam's per-step constants, in the parameter's type.
struct AdamCoefficients<T> {
    let w1: T, b2: T, w2: T, negStep: T, bc2: T, eps: T, l2: T
}
