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
