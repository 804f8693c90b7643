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
