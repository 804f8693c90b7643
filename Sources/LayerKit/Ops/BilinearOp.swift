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
        let p = bilinearOuter(ad, cd)
        // y = P·Wᵀ; with fewer rows than outputs, (W·Pᵀ)ᵀ instead: OpenBLAS splits the larger
        // M over its threads better (32×128×128×128: ~1.6 ms against ~2–3 ms, one thread).
        let product = rows < outF ? gemmProduct(wView, p, transB: true, op: "bilinear").T
                                  : gemmProduct(p, wView, transB: true, op: "bilinear")
        let y = product.reshape(lead + [outF])
        if needsGrad(a, c) || needsGrad(w) {
            y.record("BilinearBackward0", [a, c, w]) { g in
                let g2 = g.to(dtype).reshape([rows, outF])
                let dW = w.requiresGrad ? gemmProduct(g2, p, transA: true).reshape([outF, in1, in2]) : nil
                var dx1: Tensor?, dx2: Tensor?
                if a.requiresGrad || c.requiresGrad {
                    let m = gemmProduct(g2, wView)
                    (dx1, dx2) = bilinearContract(m, ad, cd)
                }
                return [dx1?.reshape(a.shape), dx2?.reshape(c.shape), dW]
            }
        }
        return bias.map { y + $0 } ?? y
    }

    /// The batched outer product `[B, in1] ⊗ [B, in2] → [B, in1·in2]` (row b holds
    /// `x1[b, i] · x2[b, :]` for i = 0, 1, …). No graph.
    static func bilinearOuter(_ x1: Tensor, _ x2: Tensor) -> Tensor {
        let (rows, in1, in2) = (x1.shape[0], x1.shape[1], x2.shape[1])
        let out = Tensor(storage: Storage(dtype: x1.dtype, count: rows * in1 * in2), shape: [rows, in1 * in2])
        func run<T: KernelScalar>(_: T.Type) {
            let pa = x1.storage.readPointer(T.self), pc = x2.storage.readPointer(T.self), po = out.storage.pointer(T.self)
            parallelChunks(rows, align: 1, unitCost: in1 &* in2) { lo, hi in
                for b in lo..<hi {
                    let xb = pc + b &* in2
                    for i in 0..<in1 {
                        let s = pa[b &* in1 &+ i], o = po + (b &* in1 &+ i) &* in2
                        for j in 0..<in2 { o[j] = s * xb[j] }
                    }
                }
            }
        }
        if x1.dtype == .float64 { run(Double.self) } else if x1.dtype == .float32 { run(Float.self) } else {
            opError("bilinear", "expected float32 or float64 tensors, got \(x1.dtype)")
        }
        return out
    }

    /// From `m` `[B, in1·in2]`: `dx1[b, i] = Σ_j m[b, i, j]·x2[b, j]` and
    /// `dx2[b, j] = Σ_i m[b, i, j]·x1[b, i]`, in one pass over `m`. No graph.
    static func bilinearContract(_ m: Tensor, _ x1: Tensor, _ x2: Tensor) -> (Tensor, Tensor) {
        let (rows, in1, in2) = (x1.shape[0], x1.shape[1], x2.shape[1])
        let d1 = Tensor(storage: Storage(dtype: x1.dtype, count: rows * in1), shape: [rows, in1])
        let d2 = Tensor.zeros([rows, in2], dtype: x1.dtype)
        func run<T: KernelScalar>(_: T.Type) {
            let pm = m.storage.readPointer(T.self), pa = x1.storage.readPointer(T.self), pc = x2.storage.readPointer(T.self)
            let p1 = d1.storage.pointer(T.self), p2 = d2.storage.pointer(T.self)
            parallelChunks(rows, align: 1, unitCost: in1 &* in2) { lo, hi in
                for b in lo..<hi {
                    let xb = pc + b &* in2, out2 = p2 + b &* in2
                    for i in 0..<in1 {
                        let row = pm + (b &* in1 &+ i) &* in2, s = pa[b &* in1 &+ i]
                        var dot: T = 0
                        for j in 0..<in2 {
                            dot += row[j] * xb[j]
                            out2[j] += s * row[j]
                        }
                        p1[b &* in1 &+ i] = dot
                    }
                }
            }
        }
        if x1.dtype == .float64 { run(Double.self) } else if x1.dtype == .float32 { run(Float.self) } else {
            opError("bilinear", "expected float32 or float64 tensors, got \(x1.dtype)")
        }
        return (d1, d2)
    }
}
