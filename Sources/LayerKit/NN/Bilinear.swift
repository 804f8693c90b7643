/// A bilinear layer `y = x1ᵀ·A·x2 + b` per output feature (PyTorch's `nn.Bilinear`), a
/// two-input module: `layer(x1, x2)`.
///
/// `weight` is `[outFeatures, in1Features, in2Features]` and `bias` `[outFeatures]`, PyTorch's
/// names and layouts, both initialised `U(±1/√in1Features)` as PyTorch does. The computation is
/// ``Tensor/bilinear(_:_:weight:bias:)``: one GEMM forward, two backward.
///
/// With one input (inside a ``Sequential``), `layer(x)` is `layer(x, x)`: the "Custom Layers"
/// exercise's tensor reduction `y_k = Σ_ij W_ijk x_i x_j` with the weight stored `[out, in, in]`.
///
///     let layer = Bilinear(in1Features: 20, in2Features: 30, outFeatures: 40)
///     let y = layer(Tensor.randn([128, 20]), Tensor.randn([128, 30]))   // [128, 40]
open class Bilinear: Module, BinaryModule {
    /// `[outFeatures, in1Features, in2Features]`.
    public var weight: Parameter
    /// `[outFeatures]`, or nil for a layer made with `bias: false`.
    public var bias: Parameter?

    /// The size of the first input's last axis.
    public var in1Features: Int { weight.shape[1] }
    /// The size of the second input's last axis.
    public var in2Features: Int { weight.shape[2] }
    /// The number of output features.
    public var outFeatures: Int { weight.shape[0] }

    /// A layer from `in1Features` and `in2Features` to `outFeatures`, initialised from
    /// `generator` (or the global stream) with PyTorch's bounds.
    ///
    ///     Bilinear(in1Features: 4, in2Features: 5, outFeatures: 3, generator: Generator(seed: 0))
    public init(in1Features: Int, in2Features: Int, outFeatures: Int, bias: Bool = true, dtype: DType = .float32, generator: Generator? = nil) {
        if in1Features < 0 || in2Features < 0 || outFeatures < 0 {
            opError("Bilinear", "feature sizes must be non-negative, got \(in1Features), \(in2Features), \(outFeatures)")
        }
        let bound = in1Features > 0 ? 1 / Double(in1Features).squareRoot() : 0
        weight = Parameter(Tensor.uniform([outFeatures, in1Features, in2Features], low: -bound, high: bound, dtype: dtype, generator: generator))
        self.bias = bias ? Parameter(Tensor.uniform([outFeatures], low: -bound, high: bound, dtype: dtype, generator: generator)) : nil
        super.init()
    }

    /// `y[..., o] = Σ_ij x1[..., i]·weight[o, i, j]·x2[..., j] + bias[o]`.
    ///
    ///     let y = layer.forward(x1, x2)
    open func forward(_ x1: Tensor, _ x2: Tensor) -> Tensor {
        Tensor.bilinear(x1, x2, weight: weight, bias: bias)
    }

    /// `forward(x, x)`: the tensor reduction of one input (needs `in1Features == in2Features`),
    /// computed by ``Tensor/quadraticForm(_:)`` over the pairs `i ≤ j` only, as the "Custom
    /// Layers" exercise's `TensorReduction` is: half the products of the two-input form.
    ///
    ///     let y = Sequential(Bilinear(in1Features: 5, in2Features: 5, outFeatures: 3))(x)
    open override func forward(_ x: Tensor) -> Tensor {
        if in1Features != in2Features {
            opError("Bilinear", "one input needs in1_features == in2_features, got \(in1Features) and \(in2Features); call layer(x1, x2)")
        }
        guard x.rank >= 1, x.shape[x.rank - 1] == in1Features else {
            opError("Bilinear", "expected input [..., \(in1Features)] for weight \(weight.shape), got \(x.shape)")
        }
        // y_o = Σ_ij x_i W_oij x_j is the reduction with W'_ijo = W_oij.
        let y = x.reshape([-1, in1Features]).quadraticForm(weight.permute([1, 2, 0]))
        let out = bias.map { y + $0 } ?? y
        return out.reshape(Array(x.shape.dropLast()) + [outFeatures])
    }

    /// `in1_features=20, in2_features=30, out_features=40, bias=True`, as PyTorch prints it.
    open override var extraDescription: String {
        "in1_features=\(in1Features), in2_features=\(in2Features), out_features=\(outFeatures), bias=\(bias == nil ? "False" : "True")"
    }
}
