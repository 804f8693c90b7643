/// Exercise "Custom Layers" 1: a tensor-reduction layer, `y_k = Σ_ij W_ijk x_i x_j (+ b_k)`,
/// batched over any leading axes.
///
/// `weight` is `[in, in, out]`, the layout of PyTorch's `einsum("bi,ijk,bj->bk", x, W, x)`.
/// Forward is one GEMM: the batched outer product `x ⊗ x`, `[B, in·in]`, times `W` viewed as
/// `[in·in, out]`. Backward is two more GEMMs (the transposes are gemm flags, not copies):
///
/// - `∂L/∂W = (x ⊗ x)ᵀ · g`, i.e. `∂L/∂W_ijk = Σ_b g_bk x_bi x_bj`;
/// - with `M = g · W_viewᵀ` (`M_bij = Σ_k g_bk W_ijk`),
///   `∂L/∂x_bi = Σ_j (M_bij + M_bji) x_bj`, i.e. `∂y_k/∂x_i = Σ_j (W_ijk + W_jik) x_j`.
///
///     let layer = TensorReduction(inFeatures: 5, outFeatures: 3)
///     layer(Tensor.randn([4, 5])).shape       // [4, 3]
open class TensorReduction: Module {
    /// `[in, in, out]`, uniform in `±1/in` (`1/√fan_in` with fan-in `in·in`).
    public var weight: Parameter
    /// `[out]`, or nil (the default: the exercise's formula has no bias).
    public var bias: Parameter?

    /// The input size.
    public var inFeatures: Int { weight.shape[0] }
    /// The output size.
    public var outFeatures: Int { weight.shape[2] }

    /// A layer from `inFeatures` to `outFeatures`, initialised from `generator` or the global stream.
    public init(inFeatures: Int, outFeatures: Int, bias: Bool = false, dtype: DType = .float32, generator: Generator? = nil) {
        let bound = 1 / Double(max(inFeatures, 1))
        weight = Parameter(Tensor.uniform([inFeatures, inFeatures, outFeatures], low: -bound, high: bound, dtype: dtype, generator: generator))
        self.bias = bias ? Parameter(Tensor.uniform([outFeatures], low: -bound, high: bound, dtype: dtype, generator: generator)) : nil
        super.init()
    }

    open override var extraDescription: String {
        "in_features=\(inFeatures), out_features=\(outFeatures), bias=\(bias == nil ? "False" : "True")"
    }

    open override func forward(_ x: Tensor) -> Tensor {
        let i = inFeatures, k = outFeatures
        guard x.rank >= 1, x.shape[x.rank - 1] == i else {
            fatalError("LayerKit.TensorReduction: expected input of shape [..., \(i)], got \(x.shape)")
        }
        let lead = Array(x.shape.dropLast())
        let x2 = x.reshape([-1, i])
        let b = x2.shape[0]
        let y = Tensor.function("TensorReductionBackward0", [x2, weight]) { inputs in
            TensorReduction.outer(inputs[0]).matmul(inputs[1].reshape([i * i, k]))
        } backward: { g, inputs, _ in
            let (xs, w) = (inputs[0], inputs[1].reshape([i * i, k]))
            let dW = TensorReduction.outer(xs).matmul(g, transposeSelf: true).reshape([i, i, k])
            let m = g.matmul(w, transposeSelf: false, transposeOther: true).reshape([b, i, i])
            // Σ_j M_bij x_bj + Σ_j M_bji x_bj: two batched matrix–vector products, the
            // second with a transpose flag instead of a copy of Mᵀ.
            let column = xs.reshape([b, i, 1])
            let dx = (m.matmul(column) + m.matmul(column, transposeSelf: true)).reshape([b, i])
            return [dx, dW]
        }
        let out = bias.map { y + $0 } ?? y
        return out.reshape(lead + [k])
    }

    /// The batched outer product `x ⊗ x` as `[B, in·in]`.
    static func outer(_ x: Tensor) -> Tensor {
        let (b, i) = (x.shape[0], x.shape[1])
        return (x.reshape([b, i, 1]) * x.reshape([b, 1, i])).reshape([b, i * i])
    }
}
