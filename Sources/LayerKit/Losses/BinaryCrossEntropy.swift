/// Binary cross-entropy of sigmoid(`logits`) against `target` probabilities, computed from the
/// logits in the stable form `max(x, 0) − x·t + log(1 + e^−|x|)` (PyTorch's
/// `F.binary_cross_entropy_with_logits`): no overflow for logits of any size.
///
/// `logits` and `target` must have the same shape (PyTorch's rule); the target promotes to the
/// logits' dtype. The gradient is `sigmoid(x) − t` for the logits and `−x` for the target.
///
///     let loss = binaryCrossEntropyWithLogits(scores, target: labels)
public func binaryCrossEntropyWithLogits(_ logits: Tensor, target: Tensor, reduction: Reduction = .mean) -> Tensor {
    if logits.shape != target.shape {
        opError("binary_cross_entropy_with_logits", "Target size (\(target.shape)) must be the same as input size (\(logits.shape))")
    }
    let dtype = DType.promoted(logits.dtype, target.dtype)
    if logits.dtype != dtype || target.dtype != dtype {
        return binaryCrossEntropyWithLogits(logits.to(dtype), target: target.to(dtype), reduction: reduction)
    }
    let n = logits.count
    let out = bceForwardKernel(logits, target, reduction)
    if Tensor.needsGrad(logits, target) {
        let x = logits.detach(), t = target.detach()
        out.record("BinaryCrossEntropyWithLogitsBackward0", logits, target) { [logits, target] g in
            let seed = LossSeed(g, reduction, count: n)
            let dx = logits.requiresGrad ? Tensor.uninitialized(like: x) : nil
            let dt = target.requiresGrad ? Tensor.uninitialized(like: x) : nil
            bceBackwardKernel(x, t, seed, dx, dt)
            return [dx, dt]
        }
    }
    return out
}
