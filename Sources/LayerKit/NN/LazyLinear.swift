/// A ``Linear`` layer whose input size is found at its first call (PyTorch's
/// `nn.LazyLinear`, Keras's `build`).
///
/// Until then its weight and bias are uninitialised placeholders
/// (``Parameter/isInitialized`` is false): counting or reading them stops with a message,
/// and it prints as `LazyLinear(in_features=0, out_features=20, bias=True)`. The first
/// `forward` takes `inFeatures` from the input's last axis, gives the parameters their
/// shapes (in place: references to them stay valid) and initialises them as ``Linear``
/// does; from then on it behaves and prints exactly like a `Linear`. Loading a state dict
/// into it before the first call materialises the parameters with the file's shapes.
///
///     let net = Sequential(LazyLinear(outFeatures: 256), ReLU(), LazyLinear(outFeatures: 10))
///     _ = net(Tensor.rand([2, 20]))       // now net[0] is 20 → 256
public final class LazyLinear: Linear {
    /// A layer to `outFeatures` outputs; the input size is taken at the first call.
    public init(outFeatures: Int, bias: Bool = true, dtype: DType = .float32) {
        if outFeatures < 0 { opError("LazyLinear", "out_features must be non-negative, got \(outFeatures)") }
        super.init(lazyOutFeatures: outFeatures, bias: bias, dtype: dtype)
    }

    /// PyTorch's positional spelling: `LazyLinear(256)`.
    public convenience init(_ outFeatures: Int, bias: Bool = true, dtype: DType = .float32) {
        self.init(outFeatures: outFeatures, bias: bias, dtype: dtype)
    }

    /// True once the parameters have shapes (after the first call or a state-dict load).
    public var isMaterialized: Bool { weight.isInitialized }

    /// `Linear` once materialised, as PyTorch's lazy modules turn into their
    /// `cls_to_become`.
    public override var typeName: String { isMaterialized ? "Linear" : "LazyLinear" }

    /// Gives the parameters their shapes for `inFeatures` inputs and initialises them.
    public func materialize(inFeatures: Int) {
        guard !isMaterialized else { return }
        weight.materialize([outFeatures, inFeatures])
        bias?.materialize([outFeatures])
        resetParameters()
    }

    /// Materialises on the first call, then `x·Wᵀ + b`.
    public override func forward(_ x: Tensor) -> Tensor {
        if !isMaterialized {
            if x.rank == 0 { opError("LazyLinear", "the input must have at least one axis to infer in_features, got a 0-d tensor") }
            materialize(inFeatures: x.shape[x.rank - 1])
        }
        return super.forward(x)
    }
}
