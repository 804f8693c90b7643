/// Zeroes each element with probability `p` during training and scales the rest by
/// `1/(1-p)`, so the expected value is unchanged; the identity in evaluation mode
/// (PyTorch's `nn.Dropout`).
///
///     let drop = Dropout(p: 0.5, generator: Generator(seed: 1))
///     let y = drop(x)            // training: about half zeroed, the rest doubled
///     drop.eval(); drop(x)       // x unchanged
///
/// The mask comes from `generator` when given, otherwise from the global stream
/// (``manualSeed(_:)``).
public final class Dropout: Module {
    /// The probability of zeroing an element.
    public let p: Double
    /// The stream the masks are drawn from (nil: the global stream).
    public let generator: Generator?

    /// A dropout layer with drop probability `p` in `[0, 1]`.
    public init(p: Double = 0.5, generator: Generator? = nil) {
        if !(0...1).contains(p) {
            opError("Dropout", "dropout probability has to be between 0 and 1, but got \(p)")
        }
        self.p = p
        self.generator = generator
        super.init()
    }

    /// No parameters or children among the stored properties: skip reflection.
    override func knownStoredMembers() -> Members? { Members() }

    /// `x·mask/(1-p)` while training; `x` in evaluation mode.
    public override func forward(_ x: Tensor) -> Tensor {
        guard isTraining, p > 0 else { return x }
        if p == 1 { return x * Tensor.zeros(x.shape, dtype: x.dtype) }
        let keep = (Tensor.rand(x.shape, dtype: x.dtype, generator: generator) .>= p).to(x.dtype)
        keep.mulInPlace(Tensor(scalar: 1 / (1 - p), dtype: x.dtype))
        return x * keep
    }

    /// `p=0.5, inplace=False`, as PyTorch prints it.
    public override var extraDescription: String { "p=\(p), inplace=False" }
}
