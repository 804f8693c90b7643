import LayerKit

/// The relative L2 error of each row, `‖prediction − target‖₂ / ‖target‖₂`, summed over the
/// batch (the FNO reference's `LpLoss(size_average=False)`): rows are the first axis, every
/// other axis is flattened. Differentiable in `prediction`.
///
///     let loss = relativeL2(model(x), target: y)    // a 0-d tensor; divide by the batch for a mean
public func relativeL2(_ prediction: Tensor, target: Tensor) -> Tensor {
    let rows = prediction.size(0)
    if target.count != prediction.count || target.size(0) != rows {
        opError("relativeL2", "prediction \(prediction.shape) and target \(target.shape) must have the same rows and sizes")
    }
    let p = prediction.reshape([rows, -1]), t = target.reshape([rows, -1])
    let difference = ((p - t) * (p - t)).sum(axis: 1).sqrt()
    return (difference / (t * t).sum(axis: 1).sqrt()).sum()
}

/// Stops with a message naming the op, like LayerKit's own ops.
func opError(_ op: String, _ message: String) -> Never {
    fatalError("\(op): \(message)")
}
