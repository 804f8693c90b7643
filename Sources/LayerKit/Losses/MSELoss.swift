/// How a loss folds its per-element values into the result, as PyTorch's `reduction=`.
///
///     mseLoss(y, target, reduction: .sum)
public enum Reduction: Sendable {
    /// The average over elements (over the batch for ``crossEntropy(_:target:reduction:labelSmoothing:)``).
    case mean
    /// The total.
    case sum
    /// No reduction: one loss per element (per sample for cross-entropy).
    case none
}

extension Reduction {
    /// Sums `values` (in `Double`, so long float32 batches do not drift) and divides by `n`
    /// for `.mean`; not used for `.none`.
    @inline(__always)
    func fold<T: TensorScalar>(_ values: UnsafeBufferPointer<T>, count n: Int) -> Double {
        let total = contiguousSum(values.baseAddress!, values.count)
        return self == .mean ? total / Double(n) : total
    }

    /// The output shape of a loss whose unreduced result has `shape`.
    func outputShape(_ shape: [Int]) -> [Int] { self == .none ? shape : [] }
}

/// Per-element scale of a loss's upstream gradient: `g/n` for a mean, `g` for a sum, `g[i]` for
/// none. Reads the seed once so the backward loops stay free of dtype dispatch.
struct LossSeed {
    let reduction: Reduction
    let scalar: Double
    let values: [Double]

    init(_ g: Tensor, _ reduction: Reduction, count n: Int) {
        self.reduction = reduction
        if reduction == .none {
            values = g.doubles()
            scalar = 0
        } else {
            values = []
            scalar = reduction == .mean ? g.item() / Double(n) : g.item()
        }
    }

    @inline(__always)
    subscript(i: Int) -> Double { reduction == .none ? values[i] : scalar }
}

/// Mean squared error, `(input − target)²` reduced, as PyTorch's `F.mse_loss`.
///
/// Operands broadcast (PyTorch warns; here it is allowed) and promote to the wider dtype;
/// the gradient flows to both when they require it. Forward and backward are each one pass
/// over the elements.
///
///     let loss = mseLoss(model(x), y)        // a 0-d tensor, grad_fn MseLossBackward0
public func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    let dtype = DType.promoted(input.dtype, target.dtype)
    if input.dtype != dtype || target.dtype != dtype {
        return mseLoss(input.to(dtype), target.to(dtype), reduction: reduction)
    }
    if input.shape != target.shape {
        let shape = broadcastShapes(input.shape, target.shape, op: "mse_loss")
        return mseLoss(input.expand(shape), target.expand(shape), reduction: reduction)
    }
    let n = input.count
    let out: Tensor
    switch dtype {
    case .float32: out = mseForward(Float.self, input, target, reduction)
    case .float64: out = mseForward(Double.self, input, target, reduction)
    }
    if Tensor.needsGrad(input, target) {
        let x = input.detach(), t = target.detach()
        out.record("MseLossBackward0", [input, target]) { [input, target] g in
            let seed = LossSeed(g, reduction, count: n)
            let dx = Tensor(storage: Storage(dtype: dtype, count: n), shape: x.shape)
            switch dtype {
            case .float32: mseBackward(Float.self, x, t, seed, dx)
            case .float64: mseBackward(Double.self, x, t, seed, dx)
            }
            return [input.requiresGrad ? dx : nil, target.requiresGrad ? -dx : nil]
        }
    }
    return out
}

@inline(__always)
private func mseForward<T: TensorScalar>(_: T.Type, _ x: Tensor, _ t: Tensor, _ reduction: Reduction) -> Tensor {
    let n = x.count
    let px = x.storage.pointer(T.self), pt = t.storage.pointer(T.self)
    let squares = Storage(dtype: T.dtype, count: n)
    let ps = squares.pointer(T.self)
    for i in 0..<n {
        let d = px[i] - pt[i]
        ps[i] = d * d
    }
    if reduction == .none { return Tensor(storage: squares, shape: x.shape) }
    let value = reduction.fold(UnsafeBufferPointer(squares.buffer(T.self)), count: n)
    return Tensor([value], shape: [], dtype: T.dtype)
}

@inline(__always)
private func mseBackward<T: TensorScalar>(_: T.Type, _ x: Tensor, _ t: Tensor, _ seed: LossSeed, _ dx: Tensor) {
    let px = x.storage.pointer(T.self), pt = t.storage.pointer(T.self), po = dx.storage.pointer(T.self)
    let n = x.count
    if seed.reduction == .none {
        for i in 0..<n { po[i] = 2 * T(seed.values[i]) * (px[i] - pt[i]) }
    } else {
        let s = T(2 * seed.scalar)
        for i in 0..<n { po[i] = s * (px[i] - pt[i]) }
    }
}
