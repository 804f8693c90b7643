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
    let out = mseForwardKernel(input, target, reduction)
    if Tensor.needsGrad(input, target) {
        let x = input.detach(), t = target.detach()
        out.record("MseLossBackward0", input, target) { [input, target] g in
            let seed = LossSeed(g, reduction, count: n)
            let dx = Tensor.uninitialized(like: x)
            mseBackwardKernel(x, t, seed, into: dx)
            return [input.requiresGrad ? dx : nil, target.requiresGrad ? -dx : nil]
        }
    }
    return out
}
