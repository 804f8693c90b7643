// The bilinear form y_bo = Σ_ij x1_bi W_oij x2_bj + b_o (PyTorch's `F.bilinear`), forward and
// backward side by side. Everything heavy is one GEMM; the transposes are gemm flags.
//
// With P the batched outer product, P_b,(ij) = x1_bi x2_bj, shape [B, in1·in2], and W viewed as
// [out, in1·in2] (its own row-major layout, no copy):
//   forward   y = P · Wᵀ                                   (gemm, transB)
//   ∂L/∂W   = gᵀ · P            ∂L/∂W_oij = Σ_b g_bo x1_bi x2_bj        (gemm, transA)
//   M       = g · W             M_b,(ij) = Σ_o g_bo W_oij              (gemm)
//   ∂L/∂x1_bi = Σ_j M_bij x2_bj,  ∂L/∂x2_bj = Σ_i M_bij x1_bi   (one pass over M per row b)
//   ∂L/∂b_o   = Σ_b g_bo
// The tensor reduction of the "Custom Layers" exercise, y_k = Σ_ij W_ijk x_i x_j, is the case
// x1 = x2 = x with W_oij = W_ijk[k = o] (a [in, in, out] layout instead of [out, in, in]).

extension Tensor {
    /// The bilinear form `y = x1ᵀ·W·x2 + b` per output feature (PyTorch's `F.bilinear`):
    /// `y[..., o] = Σ_ij x1[..., i] · weight[o, i, j] · x2[..., j] + bias[o]`.
    ///
    /// `x1` is `[..., in1]`, `x2` `[..., in2]` with the same leading axes, `weight`
    /// `[out, in1, in2]`, `bias` `[out]`; the result is `[..., out]`. Forward is one GEMM of
    /// the batched outer product `x1 ⊗ x2` with the weight; backward is two more GEMMs and one
    /// pass over their product (see `Notes/research-layers.md`).
    ///
    ///     let y = Tensor.bilinear(x1, x2, weight: w, bias: b)    // [B, out]
    public static func bilinear(_ x1: Tensor, _ x2: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
        guard weight.rank == 3, x1.rank >= 1, x2.rank >= 1,
              x1.shape.dropLast() == x2.shape.dropLast(),
              x1.shape[x1.rank - 1] == weight.shape[1], x2.shape[x2.rank - 1] == weight.shape[2]
        else {
            opError("bilinear", "expected input1 [..., in1], input2 [..., in2] with equal leading axes and weight [out, in1, in2], got input1 \(x1.shape), input2 \(x2.shape), weight \(weight.shape)")
        }
        let (outF, in1, in2) = (weight.shape[0], weight.shape[1], weight.shape[2])
        if let bias, bias.shape != [outF] {
            opError("bilinear", "bias of shape \(bias.shape) does not match weight \(weight.shape)")
        }
        let dtype = DType.promoted(DType.promoted(x1.dtype, x2.dtype), weight.dtype)
        let a = x1.to(dtype), c = x2.to(dtype), w = weight.to(dtype)
        let rows = a.count / Swift.max(in1, 1)
        let lead = Array(x1.shape.dropLast())
        let ad = a.detach().reshape([rows, in1]), cd = c.detach().reshape([rows, in2])
        let wView = w.detach().reshape([outF, in1 * in2])
        let p = Tensor(storage: Storage(dtype: dtype, count: rows * in1 * in2), shape: [rows, in1 * in2])
        bilinearOuterKernel(ad.storage, cd.storage, rows: rows, in1: in1, in2: in2, into: p.storage)
        // y = P·Wᵀ, or (W·Pᵀ)ᵀ with fewer rows than outputs (KernelStrategy.bilinearTransposed).
        let product = KernelStrategy.bilinearTransposed(rows: rows, outputs: outF) ? gemmProduct(wView, p, transB: true, op: "bilinear").T
                                  : gemmProduct(p, wView, transB: true, op: "bilinear")
        let y = product.reshape(lead + [outF])
        if needsGrad(a, c) || needsGrad(w) {
            y.record("BilinearBackward0", [a, c, w]) { g in
                let g2 = g.to(dtype).reshape([rows, outF])
                let dW = w.requiresGrad ? gemmProduct(g2, p, transA: true).reshape([outF, in1, in2]) : nil
                var dx1: Tensor?, dx2: Tensor?
                if a.requiresGrad || c.requiresGrad {
                    let m = gemmProduct(g2, wView)
                    let d1 = Tensor(storage: Storage(dtype: dtype, count: rows * in1), shape: [rows, in1])
                    let d2 = Tensor.zeros([rows, in2], dtype: dtype)
                    bilinearContractKernel(m.storage, ad.storage, cd.storage, rows: rows, in1: in1, in2: in2, into: d1.storage, d2.storage)
                    (dx1, dx2) = (d1, d2)
                }
                return [dx1?.reshape(a.shape), dx2?.reshape(c.shape), dW]
            }
        }
        return bias.map { y + $0 } ?? y
    }
}
