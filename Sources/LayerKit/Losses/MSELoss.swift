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
    default: notImplemented("mse_loss", dtype)
    }
    if Tensor.needsGrad(input, target) {
        let x = input.detach(), t = target.detach()
        out.record("MseLossBackward0", input, target) { [input, target] g in
            let seed = LossSeed(g, reduction, count: n)
            let dx = Tensor(storage: Storage(dtype: dtype, count: n), shape: x.shape)
            switch dtype {
            case .float32: mseBackward(Float.self, x, t, seed, dx)
            case .float64: mseBackward(Double.self, x, t, seed, dx)
            default: notImplemented("mse_loss", dtype)
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
