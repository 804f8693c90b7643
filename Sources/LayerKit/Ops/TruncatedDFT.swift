
// The leading `bins` Fourier coefficients of the last axis (`rfft(bins:)`), and the inverse
// from those bins alone (`irfft(n:)` of an `[…, bins, 2]` spectrum whose higher bins are zero),
// as GEMMs against one precomputed matrix. Forward and backward side by side.
//
// With θ_jk = 2π·(j·k mod n)/n, the matrix F [n, 2·bins] holds F[j, 2k] = cos θ_jk and
// F[j, 2k+1] = −sin θ_jk, so for rows x [rows, n]
//   rfft:      X = x·F                  [rows, 2·bins] = [rows, bins, 2] (re, im)
//   its VJP:   dx = dX·Fᵀ
// and with S = F scaled column-wise by c_k/n (c_0 = 1, c_{n/2} = 1 for even n, else 2) and the
// imaginary columns of the DC and Nyquist bins zeroed (c2r ignores those parts, as PyTorch):
//   irfft:     y = X·Sᵀ                 [rows, n]: y_j = (1/n)Σ_k c_k (Re X_k cos θ − Im X_k sin θ)
//   its VJP:   dX = dy·S
// An FFT costs ~2.5·n·log₂n flops per row against 4·n·bins here, but the GEMM runs at BLAS
// speed: for the FNO's 16 modes of 1024 points it is several times faster than FFTW's r2c plus
// the truncation (Notes/burgers-experiment.md, "Speed"). ``KernelStrategy/truncatedDFT(n:bins:)`` decides.

extension Tensor {
    /// `rfft(bins:)` of the last axis, computed as one GEMM with the truncated DFT matrix:
    /// `[…, n]` → `[…, bins, 2]`. float32 or float64.
    func truncatedRFFT(bins: Int) -> Tensor {
        let n = shape[rank - 1]
        if bins < 1 || bins > n / 2 + 1 { opError("rfft", "bins must be in 1...\(n / 2 + 1) for \(n) samples, got \(bins)") }
        let rows = count / Swift.max(n, 1), dtype = dtype
        let matrix = TruncatedDFTMatrix.get(n: n, bins: bins, dtype: dtype)
        let x = detach()
        let out = Tensor(storage: Storage(dtype: dtype, count: rows * bins * 2), shape: Array(shape.dropLast()) + [bins, 2])
        truncatedDFTProduct(a: x.storage, matrix: matrix, inverse: false, transposeMatrix: false,
                                   rows: rows, inner: n, cols: 2 * bins, out: out.storage)
        if Tensor.needsGrad(self) {
            let inputShape = shape
            out.record("FftR2CBackward0", self) { g in
                let g = g.to(dtype)
                let dx = Tensor(storage: Storage(dtype: dtype, count: rows * n), shape: inputShape)
                truncatedDFTProduct(a: g.storage, matrix: matrix, inverse: false, transposeMatrix: true,
                                           rows: rows, inner: 2 * bins, cols: n, out: dx.storage)
                return [dx]
            }
        }
        return out
    }

    /// `irfft(n:)` of a spectrum `[…, bins, 2]` (bins ≤ n/2 + 1; the higher bins taken as
    /// zero, the imaginary parts of the DC and Nyquist bins ignored), as one GEMM: `[…, n]`.
    func truncatedIRFFT(n: Int) -> Tensor {
        guard rank >= 2, shape[rank - 1] == 2 else {
            opError("irfft", "expected a real view of a complex tensor with shape [..., m, 2] (real, imaginary), got shape \(shape)")
        }
        let bins = shape[rank - 2]
        if bins < 1 || bins > n / 2 + 1 { opError("irfft", "expected 1...\(n / 2 + 1) bins for n = \(n), got shape \(shape)") }
        let rows = count / (2 * bins), dtype = dtype
        let matrix = TruncatedDFTMatrix.get(n: n, bins: bins, dtype: dtype)
        let s = detach()
        let out = Tensor(storage: Storage(dtype: dtype, count: rows * n), shape: Array(shape.dropLast(2)) + [n])
        truncatedDFTProduct(a: s.storage, matrix: matrix, inverse: true, transposeMatrix: true,
                                   rows: rows, inner: 2 * bins, cols: n, out: out.storage)
        if Tensor.needsGrad(self) {
            let inputShape = shape
            out.record("FftC2RBackward0", self) { g in
                let g = g.to(dtype)
                let ds = Tensor(storage: Storage(dtype: dtype, count: rows * 2 * bins), shape: inputShape)
                truncatedDFTProduct(a: g.storage, matrix: matrix, inverse: true, transposeMatrix: false,
                                           rows: rows, inner: n, cols: 2 * bins, out: ds.storage)
                return [ds]
            }
        }
        return out
    }
}
