import RealModule

/// Cross-entropy of `logits` against a target, PyTorch's `F.cross_entropy`: log-softmax and
/// negative log-likelihood fused into one stable pass.
///
/// - `logits`: `[N, C]` (a batch) or `[C]` (one sample), unnormalised scores.
/// - `target`: either **class indices** in `0..<C`, shape `[N]` (or `[]` for `[C]` logits) —
///   an `.int64` tensor as in PyTorch (`.int32` is accepted too) — or **class probabilities**
///   of the logits' own shape (the gradient then also flows to the target when it requires grad).
///   A *float* tensor of whole numbers of the index shape also keeps working as class indices
///   (LayerKit's convention before it had integer tensors; PyTorch would read a float target
///   as probabilities and refuse the shape). A fractional value stops with a message saying to
///   pass int64 indices; a `.bool` target stops.
/// - `reduction`: `.mean` averages over the batch, `.sum` adds, `.none` returns one loss per sample.
/// - `labelSmoothing`: ε in `[0, 1]`; the target becomes `(1 − ε)·target + ε/C`, as in PyTorch.
///
/// The row maximum is subtracted before exponentiating, so logits of 1e4 give finite losses
/// and gradients. The backward is one pass, `(softmax − target)·scale`, with the softmax
/// saved by the forward. A target that is out of range, not whole, or of the wrong shape stops
/// with a message naming the shapes.
///
///     let loss = crossEntropy(net(x), target: y)     // y: [N] class indices
///     loss.backward()
public func crossEntropy(
    _ logits: Tensor, target: Tensor, reduction: Reduction = .mean, labelSmoothing: Double = 0
) -> Tensor {
    let op = "cross_entropy"
    if !logits.dtype.isFloatingPoint { notImplemented("log_softmax", logits.dtype) }
    guard logits.rank == 1 || logits.rank == 2 else {
        opError(op, "expected logits of shape [N, C] or [C], got \(logits.shape)")
    }
    guard labelSmoothing >= 0 && labelSmoothing <= 1 else {
        opError(op, "label_smoothing must be between 0.0 and 1.0. Got: \(labelSmoothing)")
    }
    let batched = logits.rank == 2
    let n = batched ? logits.shape[0] : 1, c = logits.shape[logits.rank - 1]
    let indexShape = batched ? [n] : []
    if c == 0 { opError(op, "logits of shape \(logits.shape) have no classes") }
    let dtype = logits.dtype
    let outShape = reduction == .none ? indexShape : []

    if target.shape == logits.shape {
        let target = target.to(dtype)
        let x = logits.detach(), q = target.detach()
        let f = CrossEntropyForward(x, n: n, c: c)
        let loss = f.probabilityLoss(q, smoothing: labelSmoothing, reduction: reduction, shape: outShape)
        if Tensor.needsGrad(logits, target) {
            let name = reduction == .mean ? "DivBackward1" : "NegBackward0"
            loss.record(name, logits, target) { [logits, target] g in
                let seed = LossSeed(g, reduction, count: n)
                return [logits.requiresGrad ? f.probabilityGradLogits(q, seed, smoothing: labelSmoothing) : nil,
                        target.requiresGrad ? f.probabilityGradTarget(seed, smoothing: labelSmoothing) : nil]
            }
        }
        return loss
    }

    guard target.shape == indexShape else {
        if batched && target.rank == 1 {
            opError(op, "Expected input batch_size (\(n)) to match target batch_size (\(target.shape[0])) (logits \(logits.shape), target \(target.shape))")
        }
        opError(op, "target of shape \(target.shape) is neither class indices of shape \(indexShape) nor class probabilities of shape \(logits.shape) (logits \(logits.shape))")
    }
    if target.dtype == .bool || target.dtype == .uint8 {
        opError(op, "expected scalar type Long for class indices but found \(target.dtype.scalarTypeName) (target \(target.shape))")
    }
    var classes = [Int](repeating: 0, count: n)
    if target.dtype.isFloatingPoint {
        for (i, v) in target.doubles().enumerated() {
            guard v.rounded() == v else {
                opError(op, "Target \(v) at position \(i) is not a class index (a whole number); pass class indices as an int64 tensor (Tensor([Int]) or target.to(.int64)); logits \(logits.shape), target \(target.shape)")
            }
            guard v >= 0 && v < Double(c) else {
                opError(op, "Target \(Int(exactly: v).map(String.init) ?? "\(v)") is out of bounds: logits \(logits.shape) have \(c) classes (target \(target.shape))")
            }
            classes[i] = Int(v)
        }
    } else {
        for (i, v) in target.ints().enumerated() {
            guard v >= 0 && v < c else {
                opError(op, "Target \(v) is out of bounds: logits \(logits.shape) have \(c) classes (target \(target.shape))")
            }
            classes[i] = v
        }
    }
    let x = logits.detach()
    let f = CrossEntropyForward(x, n: n, c: c)
    let loss = f.indexLoss(classes, smoothing: labelSmoothing, reduction: reduction, shape: outShape)
    if Tensor.needsGrad(logits) {
        let name = labelSmoothing > 0 ? "AddBackward0" : "NllLossBackward0"
        loss.record(name, logits) { g in
            [f.indexGradLogits(classes, LossSeed(g, reduction, count: n), smoothing: labelSmoothing)]
        }
    }
    return loss
}

/// The shared part of every cross-entropy: per row, the log-sum-exp and the softmax, saved
/// for the backward pass.
private struct CrossEntropyForward {
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
        default: notImplemented("cross_entropy", x.dtype)
        }
        softmax = p
        self.lse = lse
    }

    /// Reduces per-row losses into the result tensor.
    private func reduce(_ rows: [Double], _ reduction: Reduction, _ shape: [Int]) -> Tensor {
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
        default: notImplemented("cross_entropy", dtype)
        }
        return reduce(rows, reduction, shape)
    }

    func probabilityLoss(_ q: Tensor, smoothing eps: Double, reduction: Reduction, shape: [Int]) -> Tensor {
        var rows = [Double](repeating: 0, count: n)
        switch dtype {
        case .float32: probabilityRowLosses(Float.self, x.storage, q.storage, lse, c, eps, &rows)
        case .float64: probabilityRowLosses(Double.self, x.storage, q.storage, lse, c, eps, &rows)
        default: notImplemented("cross_entropy", dtype)
        }
        return reduce(rows, reduction, shape)
    }

    /// `scale_i · (p_ic − ε/C − (1 − ε)·[c = t_i])`.
    func indexGradLogits(_ classes: [Int], _ seed: LossSeed, smoothing eps: Double) -> Tensor {
        let out = Storage(dtype: dtype, count: n * c)
        switch dtype {
        case .float32: indexGrad(Float.self, softmax, out, classes, seed, c, eps)
        case .float64: indexGrad(Double.self, softmax, out, classes, seed, c, eps)
        default: notImplemented("cross_entropy", dtype)
        }
        return Tensor(storage: out, shape: x.shape)
    }

    /// `scale_i · (p_ic·Σ_c q'_ic − q'_ic)` with `q' = (1 − ε)·q + ε/C` (the target need not sum to 1).
    func probabilityGradLogits(_ q: Tensor, _ seed: LossSeed, smoothing eps: Double) -> Tensor {
        let out = Storage(dtype: dtype, count: n * c)
        switch dtype {
        case .float32: probabilityGrad(Float.self, softmax, q.storage, out, seed, c, eps)
        case .float64: probabilityGrad(Double.self, softmax, q.storage, out, seed, c, eps)
        default: notImplemented("cross_entropy", dtype)
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
        default: notImplemented("cross_entropy", dtype)
        }
        return Tensor(storage: out, shape: x.shape)
    }
}

@inline(__always)
private func softmaxRows<T: TensorScalar>(_: T.Type, _ x: Storage, _ p: Storage, _ n: Int, _ c: Int, _ lse: inout [Double]) {
    let px = x.pointer(T.self), pp = p.pointer(T.self)
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
private func indexRowLosses<T: TensorScalar>(
    _: T.Type, _ x: Storage, _ lse: [Double], _ classes: [Int], _ c: Int, _ eps: Double, _ rows: inout [Double]
) {
    let px = x.pointer(T.self)
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
private func probabilityRowLosses<T: TensorScalar>(
    _: T.Type, _ x: Storage, _ q: Storage, _ lse: [Double], _ c: Int, _ eps: Double, _ rows: inout [Double]
) {
    let px = x.pointer(T.self), pq = q.pointer(T.self)
    let keep = 1 - eps, spread = eps / Double(c)
    for i in rows.indices {
        let row = px + i &* c, target = pq + i &* c
        var loss = 0.0
        for j in 0..<c { loss += (keep * Double(target[j]) + spread) * (lse[i] - Double(row[j])) }
        rows[i] = loss
    }
}

@inline(__always)
private func indexGrad<T: TensorScalar>(
    _: T.Type, _ p: Storage, _ out: Storage, _ classes: [Int], _ seed: LossSeed, _ c: Int, _ eps: Double
) {
    let pp = p.pointer(T.self), po = out.pointer(T.self)
    let spread = T(eps / Double(c)), hit = T(1 - eps)
    for i in classes.indices {
        let s = T(seed[i])
        let row = pp + i &* c, o = po + i &* c
        for j in 0..<c { o[j] = s * (row[j] - spread) }
        o[classes[i]] -= s * hit
    }
}

@inline(__always)
private func probabilityGrad<T: TensorScalar>(
    _: T.Type, _ p: Storage, _ q: Storage, _ out: Storage, _ seed: LossSeed, _ c: Int, _ eps: Double
) {
    let pp = p.pointer(T.self), pq = q.pointer(T.self), po = out.pointer(T.self)
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
private func targetGrad<T: TensorScalar>(
    _: T.Type, _ x: Storage, _ out: Storage, _ lse: [Double], _ seed: LossSeed, _ c: Int, _ eps: Double
) {
    let px = x.pointer(T.self), po = out.pointer(T.self)
    for i in lse.indices {
        let s = seed[i] * (1 - eps)
        let row = px + i &* c, o = po + i &* c
        for j in 0..<c { o[j] = T(s * (lse[i] - Double(row[j]))) }
    }
}
