/// Exercise "Custom Layers" 1: a tensor-reduction layer, `y_k = Σ_ij W_ijk x_i x_j (+ b_k)`,
/// batched over any leading axes.
///
/// `weight` is `[in, in, out]`, the layout of PyTorch's `einsum("bi,ijk,bj->bk", x, W, x)`.
/// The work is LayerKit's ``Tensor/quadraticForm(_:)``: since `x_i x_j` is symmetric in
/// `(i, j)`, only the `in(in+1)/2` pairs `i ≤ j` enter one GEMM, against the weight folded
/// into `W_ijk + W_jik` (kept until the weight changes) — half the flops of the full `[B, in·in]·[in·in, out]`
/// product. Its backward is two more GEMMs over the same pairs:
///
/// - `∂L/∂W_ijk = Σ_b g_bk x_bi x_bj`, computed for `i ≤ j` and mirrored (it is symmetric);
/// - with `M = g · W_foldedᵀ`, `∂L/∂x_bi = 2·M_b,ii x_bi + Σ_{j≠i} M_b,ij x_bj`, i.e.
///   `∂y_k/∂x_i = Σ_j (W_ijk + W_jik) x_j`.
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
        let y = x2.quadraticForm(weight)
        let out = bias.map { y + $0 } ?? y
        return out.reshape(lead + [k])
    }
}
