@testable import LayerKit

/// The tensor reduction's values and gradients straight from their definitions, in float64
/// loops independent of the code under test (what `numpy.einsum` computes):
///   y_bk  = Σ_ij W_ijk x_bi x_bj
///   dx_bi = Σ_jk g_bk (W_ijk + W_jik) x_bj
///   dW_ijk = Σ_b g_bk x_bi x_bj
/// for x `[B, I]`, W `[I, I, K]` and an upstream gradient g `[B, K]`.
struct EinsumReference {
    let y: Tensor, dx: Tensor, dw: Tensor

    init(x: Tensor, w: Tensor, g: Tensor) {
        let (b, i, k) = (x.shape[0], x.shape[1], w.shape[2])
        let xv = x.doubles(), wv = w.doubles(), gv = g.doubles()
        func W(_ r: Int, _ c: Int, _ t: Int) -> Double { wv[(r * i + c) * k + t] }
        var y = [Double](repeating: 0, count: b * k), dx = [Double](repeating: 0, count: b * i)
        var dw = [Double](repeating: 0, count: i * i * k)
        for n in 0..<b {
            for r in 0..<i {
                for c in 0..<i {
                    let xx = xv[n * i + r] * xv[n * i + c]
                    for t in 0..<k {
                        y[n * k + t] += W(r, c, t) * xx
                        dx[n * i + r] += gv[n * k + t] * (W(r, c, t) + W(c, r, t)) * xv[n * i + c]
                        dw[(r * i + c) * k + t] += gv[n * k + t] * xx
                    }
                }
            }
        }
        self.y = Tensor(y, shape: [b, k], dtype: .float64)
        self.dx = Tensor(dx, shape: [b, i], dtype: .float64)
        self.dw = Tensor(dw, shape: [i, i, k], dtype: .float64)
    }

    /// A seeded case: x, W that require grad (in `dtype`) and g, with the reference.
    static func randomCase(b: Int, i: Int, k: Int, dtype: DType, seed: UInt64) -> (x: Tensor, w: Tensor, g: Tensor, want: EinsumReference) {
        let gen = Generator(seed: seed)
        let x = Tensor.randn([b, i], dtype: dtype, generator: gen), w = Tensor.randn([i, i, k], dtype: dtype, generator: gen)
        let g = Tensor.randn([b, k], dtype: dtype, generator: gen)
        x.requiresGrad = true
        w.requiresGrad = true
        return (x, w, g, EinsumReference(x: x.detach(), w: w.detach(), g: g))
    }
}
