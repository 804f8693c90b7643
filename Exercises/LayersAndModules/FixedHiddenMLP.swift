/// The book's block with a constant weight, a shared layer and Python control flow
/// (D2L 5.1, `FixedHiddenMLP`):
///
/// - `randWeight` is a plain ``Tensor`` property: a constant, not a parameter, never trained;
/// - the same `linear` runs twice, so its parameters are shared between the two uses;
/// - `while X.abs().sum() > 1: X /= 2`, then the block returns `X.sum()`.
open class FixedHiddenMLP: Module {
    /// The constant random weight, `[20, 20]`, uniform in [0, 1) (`torch.rand`).
    public let randWeight: Tensor
    /// The layer used twice.
    public let linear = Linear(inFeatures: 20, outFeatures: 20)

    /// A block with a fresh constant weight (from `generator`, or the global stream).
    public init(generator: Generator? = nil) {
        randWeight = Tensor.rand([20, 20], generator: generator)
        super.init()
    }

    open override func forward(_ x: Tensor) -> Tensor {
        var x = linear(x)
        x = (x.matmul(randWeight) + 1).relu()
        x = linear(x)
        // Control flow on values: keep halving until the total magnitude is at most 1.
        while x.abs().sum().item() > 1 { x = x / 2 }
        return x.sum()
    }
}
