/// A fully connected layer `y = x·Wᵀ + b` (PyTorch's `nn.Linear`).
///
/// `weight` has shape `[outFeatures, inFeatures]` and `bias` `[outFeatures]`, so state dicts
/// line up with PyTorch's. Both start uniform in `±1/√inFeatures`, PyTorch's default
/// (`kaiming_uniform_(a: √5)` reduces to that bound). The forward pass is one gemm with the
/// transpose flag (``Tensor/linear(_:weight:bias:)``), never a transposed copy.
///
///     let layer = Linear(inFeatures: 20, outFeatures: 256)
///     let y = layer(Tensor.rand([2, 20]))      // [2, 256]
open class Linear: Module {
    /// The number of output features.
    public let outFeatures: Int
    /// The weight, `[outFeatures, inFeatures]`.
    public var weight: Parameter
    /// The bias, `[outFeatures]`, or nil for a layer made with `bias: false`.
    public var bias: Parameter?

    /// The number of input features: the weight's second axis (0 while a ``LazyLinear`` has
    /// not seen an input).
    public var inFeatures: Int { weight.rank == 2 ? weight.shape[1] : 0 }

    /// A layer from `inFeatures` to `outFeatures`, with PyTorch's default initialisation.
    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, dtype: DType = .float32) {
        if inFeatures < 0 || outFeatures < 0 {
            opError("Linear", "in_features and out_features must be non-negative, got \(inFeatures) and \(outFeatures)")
        }
        self.outFeatures = outFeatures
        weight = Parameter(Tensor.zeros([outFeatures, inFeatures], dtype: dtype))
        self.bias = bias ? Parameter(Tensor.zeros([outFeatures], dtype: dtype)) : nil
        super.init()
        resetParameters()
    }

    /// A layer from `inFeatures` to `outFeatures`, PyTorch's positional spelling:
    /// `Linear(20, 256)`.
    public convenience init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, dtype: DType = .float32) {
        self.init(inFeatures: inFeatures, outFeatures: outFeatures, bias: bias, dtype: dtype)
    }

    /// A layer whose weight and bias are uninitialised placeholders (for ``LazyLinear``).
    init(lazyOutFeatures outFeatures: Int, bias: Bool, dtype: DType) {
        self.outFeatures = outFeatures
        weight = Parameter.uninitialized(dtype: dtype)
        weight.expectedShape = [outFeatures, -1]
        if bias {
            let b = Parameter.uninitialized(dtype: dtype)
            b.expectedShape = [outFeatures]
            self.bias = b
        } else {
            self.bias = nil
        }
        super.init()
    }

    /// Refills weight and bias with PyTorch's defaults: weight by `kaiming_uniform(a: √5)`,
    /// i.e. `U(±1/√in)`, then bias `U(±1/√in)` (0 bound when `in` is 0).
    open func resetParameters() {
        guard weight.isInitialized else { return }
        Init.kaimingUniform(weight, a: 5.0.squareRoot())
        if let bias {
            let fanIn = inFeatures
            let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
            Init.uniform(bias, low: -bound, high: bound)
        }
    }

    /// Weight and bias without reflection, for `Linear` and `LazyLinear` themselves (a user's
    /// subclass may add stored properties, so it is reflected).
    override func knownStoredMembers() -> Members? {
        let type = type(of: self)
        guard type == Linear.self || type == LazyLinear.self else { return nil }
        var members = Members()
        members.parameters.append(("weight", weight))
        if let bias { members.parameters.append(("bias", bias)) }
        return members
    }

    /// `x·Wᵀ + b` over the last axis of `x`.
    open override func forward(_ x: Tensor) -> Tensor {
        weight.requireInitialized("Linear.forward", name: "weight")
        return Tensor.linear(x, weight: weight, bias: bias)
    }

    /// `in_features=20, out_features=256, bias=True`.
    open override var extraDescription: String {
        "in_features=\(inFeatures), out_features=\(outFeatures), bias=\(bias == nil ? "False" : "True")"
    }
}
