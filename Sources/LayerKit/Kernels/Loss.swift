import RealModule

// The losses' fused loops (Losses/ holds the ops, their checks and their graphs): forward
// values and the vector–Jacobian products, one pass each, and the dispatch on dtype.

/// `(x − t)²` reduced (same shape and float dtype).
func mseForwardKernel(_ x: Tensor, _ t: Tensor, _ reduction: Reduction) -> Tensor {
    switch x.dtype {
    case .float32: return mseForward(Float.self, x, t, reduction)
    case .float64: return mseForward(Double.self, x, t, reduction)
    case .int64, .int32, .uint8, .bool: notImplemented("mse_loss", x.dtype)
    }
}

/// `dx ← 2·seed·(x − t)`.
func mseBackwardKernel(_ x: Tensor, _ t: Tensor, _ seed: LossSeed, into dx: Tensor) {
    switch x.dtype {
    case .float32: mseBackward(Float.self, x, t, seed, dx)
    case .float64: mseBackward(Double.self, x, t, seed, dx)
    case .int64, .int32, .uint8, .bool: notImplemented("mse_loss", x.dtype)
    }
}

@inline(__always)
func mseForward<T: KernelScalar>(_: T.Type, _ x: Tensor, _ t: Tensor, _ reduction: Reduction) -> Tensor {
    let n = x.count
    let px = x.storage.readPointer(T.self), pt = t.storage.readPointer(T.self)
    let squares = Storage(dtype: T.dtype, count: n)
    let ps = squares.pointer(T.self)
    for i in 0..<n {
        let d = px[i] - pt[i]
        ps[i] = d * d
    }
    if reduction == .none { return Tensor(storage: squares, shape: x.shape) }
    let value = reduction.fold(T.self, squares, count: n)
    return Tensor([value], shape: [], dtype: T.dtype)
}

@inline(__always)
func mseBackward<T: KernelScalar>(_: T.Type, _ x: Tensor, _ t: Tensor, _ seed: LossSeed, _ dx: Tensor) {
    let px = x.storage.readPointer(T.self), pt = t.storage.readPointer(T.self), po = dx.storage.pointer(T.self)
    let n = x.count
    if seed.reduction == .none {
        for i in 0..<n { po[i] = 2 * T(seed.values[i]) * (px[i] - pt[i]) }
    } else {
        let s = T(2 * seed.scalar)
        for i in 0..<n { po[i] = s * (px[i] - pt[i]) }
    }
}

/// `max(x, 0) − x·t + log(1 + e^−|x|)` reduced (same shape and float dtype).
func bceForwardKernel(_ x: Tensor, _ t: Tensor, _ reduction: Reduction) -> Tensor {
    switch x.dtype {
    case .float32: return bceForward(Float.self, x, t, reduction)
    case .float64: return bceForward(Double.self, x, t, reduction)
    case .int64, .int32, .uint8, .bool: notImplemented("binary_cross_entropy", x.dtype)
    }
}

/// `dx ← seed·(sigmoid(x) − t)`, `dt ← −seed·x`, for the ones given.
func bceBackwardKernel(_ x: Tensor, _ t: Tensor, _ seed: LossSeed, _ dx: Tensor?, _ dt: Tensor?) {
    switch x.dtype {
    case .float32: bceBackward(Float.self, x, t, seed, dx, dt)
    case .float64: bceBackward(Double.self, x, t, seed, dx, dt)
    case .int64, .int32, .uint8, .bool: notImplemented("binary_cross_entropy", x.dtype)
    }
}

@inline(__always)
func bceForward<T: KernelScalar>(_: T.Type, _ x: Tensor, _ t: Tensor, _ reduction: Reduction) -> Tensor {
    let n = x.count
    let px = x.storage.readPointer(T.self), pt = t.storage.readPointer(T.self)
    let losses = Storage(dtype: T.dtype, count: n)
    let pl = losses.pointer(T.self)
    for i in 0..<n {
        let v = px[i]
        pl[i] = Swift.max(v, 0) - v * pt[i] + T.log(onePlus: T.exp(-Swift.abs(v)))
    }
    if reduction == .none { return Tensor(storage: losses, shape: x.shape) }
    let value = reduction.fold(T.self, losses, count: n)
    return Tensor([value], shape: [], dtype: T.dtype)
}

@inline(__always)
func bceBackward<T: KernelScalar>(
    _: T.Type, _ x: Tensor, _ t: Tensor, _ seed: LossSeed, _ dx: Tensor?, _ dt: Tensor?
) {
    let px = x.storage.readPointer(T.self), pt = t.storage.readPointer(T.self)
    let n = x.count
    // The seed is one scalar unless the loss is unreduced: keep the per-element read out of
    // the common loops.
    let scalar = seed.reduction == .none ? nil : Optional(T(seed.scalar))
    if let dx {
        let po = dx.storage.pointer(T.self)
        for i in 0..<n {
            let v = px[i]
            // The sigmoid split by sign, as SigmoidKernel, so exp never overflows.
            let s = v >= 0 ? 1 / (1 + T.exp(-v)) : T.exp(v) / (1 + T.exp(v))
            po[i] = (scalar ?? T(seed.values[i])) * (s - pt[i])
        }
    }
    if let dt {
        let po = dt.storage.pointer(T.self)
        for i in 0..<n { po[i] = -(scalar ?? T(seed.values[i])) * px[i] }
    }
}

/// The shared part of every cross-entropy: per row, the log-sum-exp and the softmax, saved
/// for the backward pass.
struct CrossEntropyForward {
    let x: Tensor
    let n: Int, c: Int
    /// `softmax(x)` row by row, `[n·c]`, in the logits' dtype.
    let softmax: Storage
    /// `logsumexp` of each row.
    let lse: [Double]

    var dtype: DType { x.dtype }

    init(_ x: Tensor, n: Int, c: Int) {
        self.x = x
        self.n = n
        self.c = c
        let p = Storage(dtype: x.dtype, count: n * c)
        var lse = [Double](repeating: 0, count: n)
        switch x.dtype {
        case .float32: softmaxRows(Float.self, x.storage, p, n, c, &lse)
        case .float64: softmaxRows(Double.self, x.storage, p, n, c, &lse)
        case .int64, .int32, .uint8, .bool: notImplemented("cross_entropy", x.dtype)
        }
        softmax = p
        self.lse = lse
    }

    /// Reduces per-row losses into the result tensor.
    func reduce(_ rows: [Double], _ reduction: Reduction, _ shape: [Int]) -> Tensor {
        switch reduction {
        case .none: return Tensor(rows, shape: shape, dtype: dtype)
        case .sum: return Tensor([rows.reduce(0, +)], shape: [], dtype: dtype)
        case .mean: return Tensor([rows.reduce(0, +) / Double(n)], shape: [], dtype: dtype)
        }
    }

    func indexLoss(_ classes: [Int], smoothing eps: Double, reduction: Reduction, shape: [Int]) -> Tensor {
        var rows = [Double](repeating: 0, count: n)
        switch dtype {
        case .float32: indexRowLosses(Float.self, x.storage, lse, classes, c, eps, &rows)
        case .float64: indexRowLosses(Double.self, x.storage, lse, classes, c, eps, &rows)
        case .int64, .int32, .uint8, .bool: notImplemented("cross_entropy", dtype)
        }
        return reduce(rows, reduction, shape)
    }

    func probabilityLoss(_ q: Tensor, smoothing eps: Double, reduction: Reduction, shape: [Int]) -> Tensor {
        var rows = [Double](repeating: 0, count: n)
        switch dtype {
        case .float32: probabilityRowLosses(Float.self, x.storage, q.storage, lse, c, eps, &rows)
        case .float64: probabilityRowLosses(Double.self, x.storage, q.storage, lse, c, eps, &rows)
        case .int64, .int32, .uint8, .bool: notImplemented("cross_entropy", dtype)
        }
        return reduce(rows, reduction, shape)
    }

    /// `scale_i · (p_ic − ε/C − (1 − ε)·[c = t_i])`.
    func indexGradLogits(_ classes: [Int], _ seed: LossSeed, smoothing eps: Double) -> Tensor {
        let out = Storage(dtype: dtype, count: n * c)
        switch dtype {
        case .float32: indexGrad(Float.self, softmax, out, classes, seed, c, eps)
        case .float64: indexGrad(Double.self, softmax, out, classes, seed, c, eps)
        case .int64, .int32, .uint8, .bool: notImplemented("cross_entropy", dtype)
        }
        return Tensor(storage: out, shape: x.shape)
    }

    /// `scale_i · (p_ic·Σ_c q'_ic − q'_ic)` with `q' = (1 − ε)·q + ε/C` (the target need not sum to 1).
    func probabilityGradLogits(_ q: Tensor, _ seed: LossSeed, smoothing eps: Double) -> Tensor {
        let out = Storage(dtype: dtype, count: n * c)
        switch dtype {
        case .float32: probabilityGrad(Float.self, softmax, q.storage, out, seed, c, eps)
        case .float64: probabilityGrad(Double.self, softmax, q.storage, out, seed, c, eps)
        case .int64, .int32, .uint8, .bool: notImplemented("cross_entropy", dtype)
        }
        return Tensor(storage: out, shape: x.shape)
    }

    /// `scale_i · (1 − ε) · (lse_i − x_ic)`, i.e. `−(1 − ε)·log p_ic` without taking a log of a
    /// softmax that may have underflowed to 0.
    func probabilityGradTarget(_ seed: LossSeed, smoothing eps: Double) -> Tensor {
        let out = Storage(dtype: dtype, count: n * c)
        switch dtype {
        case .float32: targetGrad(Float.self, x.storage, out, lse, seed, c, eps)
        case .float64: targetGrad(Double.self, x.storage, out, lse, seed, c, eps)
        case .int64, .int32, .uint8, .bool: notImplemented("cross_entropy", dtype)
        }
        return Tensor(storage: out, shape: x.shape)
    }
}

@inline(__always)
func softmaxRows<T: KernelScalar>(_: T.Type, _ x: Storage, _ p: Storage, _ n: Int, _ c: Int, _ lse: inout [Double]) {
    let px = x.readPointer(T.self), pp = p.pointer(T.self)
    for i in 0..<n {
        let row = px + i &* c, out = pp + i &* c
        var m = -T.infinity
        for j in 0..<c where row[j] > m || row[j].isNaN { m = row[j] }
        // A row of all −∞ (or a +∞) has no finite maximum; shifting by 0 keeps the result IEEE-honest.
        let shift = m.isFinite ? m : 0
        var s = T.zero
        for j in 0..<c {
            let e = T.exp(row[j] - shift)
            out[j] = e
            s += e
        }
        let inv = 1 / s
        for j in 0..<c { out[j] *= inv }
        lse[i] = Double(shift) + Double(T.log(s))
    }
}

@inline(__always)
func indexRowLosses<T: KernelScalar>(
    _: T.Type, _ x: Storage, _ lse: [Double], _ classes: [Int], _ c: Int, _ eps: Double, _ rows: inout [Double]
) {
    let px = x.readPointer(T.self)
    for i in rows.indices {
        let row = px + i &* c
        var loss = (1 - eps) * (lse[i] - Double(row[classes[i]]))
        if eps > 0 {
            let rowSum = contiguousSum(row, c)
            loss += eps * (lse[i] - rowSum / Double(c))
        }
        rows[i] = loss
    }
}

@inline(__always)
func probabilityRowLosses<T: KernelScalar>(
    _: T.Type, _ x: Storage, _ q: Storage, _ lse: [Double], _ c: Int, _ eps: Double, _ rows: inout [Double]
) {
    let px = x.readPointer(T.self), pq = q.pointer(T.self)
    let keep = 1 - eps, spread = eps / Double(c)
    for i in rows.indices {
        let row = px + i &* c, target = pq + i &* c
        var loss = 0.0
        for j in 0..<c { loss += (keep * Double(target[j]) + spread) * (lse[i] - Double(row[j])) }
        rows[i] = loss
    }
}

@inline(__always)
func indexGrad<T: KernelScalar>(
    _: T.Type, _ p: Storage, _ out: Storage, _ classes: [Int], _ seed: LossSeed, _ c: Int, _ eps: Double
) {
    let pp = p.readPointer(T.self), po = out.pointer(T.self)
    let spread = T(eps / Double(c)), hit = T(1 - eps)
    for i in classes.indices {
        let s = T(seed[i])
        let row = pp + i &* c, o = po + i &* c
        for j in 0..<c { o[j] = s * (row[j] - spread) }
        o[classes[i]] -= s * hit
    }
}

@inline(__always)
func probabilityGrad<T: KernelScalar>(
    _: T.Type, _ p: Storage, _ q: Storage, _ out: Storage, _ seed: LossSeed, _ c: Int, _ eps: Double
) {
    let pp = p.readPointer(T.self), pq = q.readPointer(T.self), po = out.pointer(T.self)
    let keep = T(1 - eps), spread = T(eps / Double(c))
    let n = out.count / Swift.max(c, 1)
    for i in 0..<n {
        let s = T(seed[i])
        let row = pp + i &* c, target = pq + i &* c, o = po + i &* c
        var total = T.zero
        for j in 0..<c { total += keep * target[j] + spread }
        for j in 0..<c { o[j] = s * (row[j] * total - (keep * target[j] + spread)) }
    }
}

@inline(__always)
func targetGrad<T: KernelScalar>(
    _: T.Type, _ x: Storage, _ out: Storage, _ lse: [Double], _ seed: LossSeed, _ c: Int, _ eps: Double
) {
    let px = x.readPointer(T.self), po = out.pointer(T.self)
    for i in lse.indices {
        let s = seed[i] * (1 - eps)
        let row = px + i &* c, o = po + i &* c
        for j in 0..<c { o[j] = T(s * (lse[i] - Double(row[j]))) }
    }
}

extension Reduction {
    /// Sums the per-element losses in `values` (in `Double`, so long float32 batches do not
    /// drift) and divides by `n` for `.mean`; not used for `.none`.
    @inline(__always)
    func fold<T: KernelScalar>(_: T.Type, _ values: Storage, count n: Int) -> Double {
        let total = contiguousSum(values.readPointer(T.self), values.count)
        return self == .mean ? total / Double(n) : total
    }
}
