import RealModule

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
    let out: Tensor
    switch dtype {
    case .float32: out = bceForward(Float.self, logits, target, reduction)
    case .float64: out = bceForward(Double.self, logits, target, reduction)
    default: notImplemented("binary_cross_entropy", dtype)
    }
    if Tensor.needsGrad(logits, target) {
        let x = logits.detach(), t = target.detach()
        out.record("BinaryCrossEntropyWithLogitsBackward0", logits, target) { [logits, target] g in
            let seed = LossSeed(g, reduction, count: n)
            let dx = logits.requiresGrad ? Tensor(storage: Storage(dtype: dtype, count: n), shape: x.shape) : nil
            let dt = target.requiresGrad ? Tensor(storage: Storage(dtype: dtype, count: n), shape: x.shape) : nil
            switch dtype {
            case .float32: bceBackward(Float.self, x, t, seed, dx, dt)
            case .float64: bceBackward(Double.self, x, t, seed, dx, dt)
            default: notImplemented("binary_cross_entropy", dtype)
            }
            return [dx, dt]
        }
    }
    return out
}

@inline(__always)
private func bceForward<T: TensorScalar>(_: T.Type, _ x: Tensor, _ t: Tensor, _ reduction: Reduction) -> Tensor {
    let n = x.count
    let px = x.storage.pointer(T.self), pt = t.storage.pointer(T.self)
    let losses = Storage(dtype: T.dtype, count: n)
    let pl = losses.pointer(T.self)
    for i in 0..<n {
        let v = px[i]
        pl[i] = Swift.max(v, 0) - v * pt[i] + T.log(onePlus: T.exp(-Swift.abs(v)))
    }
    if reduction == .none { return Tensor(storage: losses, shape: x.shape) }
    let value = reduction.fold(UnsafeBufferPointer(losses.buffer(T.self)), count: n)
    return Tensor([value], shape: [], dtype: T.dtype)
}

@inline(__always)
private func bceBackward<T: TensorScalar>(
    _: T.Type, _ x: Tensor, _ t: Tensor, _ seed: LossSeed, _ dx: Tensor?, _ dt: Tensor?
) {
    let px = x.storage.pointer(T.self), pt = t.storage.pointer(T.self)
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
