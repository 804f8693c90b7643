// The spectral convolution's per-mode complex product, forward and backward side by side.
// With x [B, I, m, 2] and w [I, O, m, 2] holding complex numbers as (re, im) pairs:
//   forward   y[b, o, k]     = Σ_i x[b, i, k]·w[i, o, k]                  → [B, O, m, 2]
//   ∂L/∂x[b, i, k] = Σ_o g[b, o, k]·conj(w[i, o, k])
//   ∂L/∂w[i, o, k] = Σ_b conj(x[b, i, k])·g[b, o, k]
// where g = ∂L/∂y_re + i·∂L/∂y_im: for a real loss, the gradient of a (re, im) pair under a
// complex-linear map is the conjugate-transposed map applied to g (PyTorch's convention, which
// its `cfloat` `einsum` backward follows). Per mode, one complex GEMM (cgemm/zgemm) on the
// mode's slices, gathered into [m, rows, cols] complex matrices first (the slices are strided
// by m in the input layout); the gathers move B·I + I·O + B·O complex numbers per mode, against
// B·I·O complex multiply-adds.

extension Tensor {
    /// The per-mode complex product of ``SpectralConv1d``: `x` `[batch, in, modes, 2]` and
    /// `weight` `[in, out, modes, 2]` (complex as (re, im)) give `[batch, out, modes, 2]` with
    /// `y[b, o, k] = Σ_i x[b, i, k]·w[i, o, k]`. float32 or float64.
    static func spectralMix(_ x: Tensor, weight: Tensor) -> Tensor {
        guard x.rank == 4, weight.rank == 4, x.shape[3] == 2, weight.shape[3] == 2,
              x.shape[1] == weight.shape[0], x.shape[2] == weight.shape[2] else {
            opError("spectralMix", "expected x [batch, in, modes, 2] and weight [in, out, modes, 2], got \(x.shape) and \(weight.shape)")
        }
        let (b, i, m, o) = (x.shape[0], x.shape[1], x.shape[2], weight.shape[1])
        let dtype = DType.promoted(x.dtype, weight.dtype)
        if !dtype.isFloatingPoint {
            opError("spectralMix", "expected float32 or float64 tensors, got \(x.dtype) and \(weight.dtype)")
        }
        let xs = x.to(dtype), ws = weight.to(dtype)
        // Per-mode layouts [m, rows, cols, 2], kept for the backward.
        let xk = gatherModes(xs.detach().storage, rows: b, cols: i, modes: m)
        let wk = gatherModes(ws.detach().storage, rows: i, cols: o, modes: m)
        let yk = Storage(dtype: dtype, count: m * b * o * 2)
        complexGemmPerMode(dtype, modes: m, conjA: false, conjB: false, rows: b, cols: o, inner: i,
                           a: xk, aStored: (b, i), b: wk, bStored: (i, o), c: yk)
        let out = Tensor(storage: scatterModes(yk, rows: b, cols: o, modes: m), shape: [b, o, m, 2])
        if needsGrad(xs, ws) {
            out.record("SpectralMixBackward", xs, ws) { g in
                let gk = gatherModes(g.to(dtype).storage, rows: b, cols: o, modes: m)
                var grads: [Tensor?] = [nil, nil]
                if xs.requiresGrad {
                    // dx_k = g_k · conj(w_k)ᵀ   [b, o]·[o, i]
                    let dxk = Storage(dtype: dtype, count: m * b * i * 2)
                    complexGemmPerMode(dtype, modes: m, conjA: false, conjB: true, rows: b, cols: i, inner: o,
                                       a: gk, aStored: (b, o), b: wk, bStored: (i, o), c: dxk)
                    grads[0] = Tensor(storage: scatterModes(dxk, rows: b, cols: i, modes: m), shape: [b, i, m, 2])
                }
                if ws.requiresGrad {
                    // dw_k = conj(x_k)ᵀ · g_k   [i, b]·[b, o]
                    let dwk = Storage(dtype: dtype, count: m * i * o * 2)
                    complexGemmPerMode(dtype, modes: m, conjA: true, conjB: false, rows: i, cols: o, inner: b,
                                       a: xk, aStored: (b, i), b: gk, bStored: (b, o), c: dwk)
                    grads[1] = Tensor(storage: scatterModes(dwk, rows: i, cols: o, modes: m), shape: [i, o, m, 2])
                }
                return grads
            }
        }
        return out
    }
}
