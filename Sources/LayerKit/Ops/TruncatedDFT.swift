import Foundation
import Synchronization

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

/// The truncated-DFT matrices F and S of one (n, bins, dtype), built once and cached.
final class TruncatedDFTMatrix: Sendable {
    /// F, `[n, 2·bins]`, in the dtype's precision (only the matching array is filled).
    let forwardFloat: [Float], forwardDouble: [Double]
    /// S, `[n, 2·bins]`.
    let inverseFloat: [Float], inverseDouble: [Double]

    private static let cache = Mutex<[String: TruncatedDFTMatrix]>([:])

    private init(n: Int, bins: Int, double: Bool) {
        var f = [Double](repeating: 0, count: n * 2 * bins), s = f
        for j in 0..<n {
            for k in 0..<bins {
                let theta = 2 * Double.pi * Double((j * k) % n) / Double(n)
                let (c, sn) = (Foundation.cos(theta), Foundation.sin(theta))
                f[(j * bins + k) * 2] = c
                f[(j * bins + k) * 2 + 1] = -sn
                let nyquist = n % 2 == 0 && k == n / 2
                let weight = (k == 0 || nyquist ? 1 : 2) / Double(n)
                s[(j * bins + k) * 2] = weight * c
                s[(j * bins + k) * 2 + 1] = k == 0 || nyquist ? 0 : -weight * sn
            }
        }
        forwardDouble = double ? f : []
        inverseDouble = double ? s : []
        forwardFloat = double ? [] : f.map(Float.init)
        inverseFloat = double ? [] : s.map(Float.init)
    }

    /// The matrices for `n` points and `bins` bins in `dtype` (float32 or float64).
    static func get(n: Int, bins: Int, dtype: DType) -> TruncatedDFTMatrix {
        let key = "\(n)x\(bins)x\(dtype)"
        return cache.withLock { table in
            if let m = table[key] { return m }
            let m = TruncatedDFTMatrix(n: n, bins: bins, double: dtype == .float64)
            table[key] = m
            return m
        }
    }

    /// Calls `body` with F (`inverse == false`) or S as a pointer of `T`.
    func withMatrix<T: KernelScalar, R>(_: T.Type, inverse: Bool, _ body: (UnsafePointer<T>) -> R) -> R {
        func run<U>(_ a: [U]) -> R {
            a.withUnsafeBufferPointer { body(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: T.self)) }
        }
        if T.self == Float.self { return run(inverse ? inverseFloat : forwardFloat) }
        return run(inverse ? inverseDouble : forwardDouble)
    }
}

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
        Tensor.truncatedDFTProduct(a: x.storage, matrix: matrix, inverse: false, transposeMatrix: false,
                                   rows: rows, inner: n, cols: 2 * bins, out: out.storage)
        if Tensor.needsGrad(self) {
            let inputShape = shape
            out.record("FftR2CBackward0", self) { g in
                let g = g.to(dtype)
                let dx = Tensor(storage: Storage(dtype: dtype, count: rows * n), shape: inputShape)
                Tensor.truncatedDFTProduct(a: g.storage, matrix: matrix, inverse: false, transposeMatrix: true,
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
        Tensor.truncatedDFTProduct(a: s.storage, matrix: matrix, inverse: true, transposeMatrix: true,
                                   rows: rows, inner: 2 * bins, cols: n, out: out.storage)
        if Tensor.needsGrad(self) {
            let inputShape = shape
            out.record("FftC2RBackward0", self) { g in
                let g = g.to(dtype)
                let ds = Tensor(storage: Storage(dtype: dtype, count: rows * 2 * bins), shape: inputShape)
                Tensor.truncatedDFTProduct(a: g.storage, matrix: matrix, inverse: true, transposeMatrix: false,
                                           rows: rows, inner: n, cols: 2 * bins, out: ds.storage)
                return [ds]
            }
        }
        return out
    }

    /// `out [rows, cols] = a [rows, inner] · M` (or `· Mᵀ`), M = F or S stored `[n, 2·bins]`.
    private static func truncatedDFTProduct(a: Storage, matrix: TruncatedDFTMatrix, inverse: Bool, transposeMatrix: Bool,
                                            rows: Int, inner: Int, cols: Int, out: Storage) {
        func run<T: KernelScalar>(_: T.Type) {
            matrix.withMatrix(T.self, inverse: inverse) { pm in
                // M is [n, 2·bins]: as the right operand it is [inner, cols] (ld = cols), and
                // transposed it is read from its [cols, inner] storage (ld = inner).
                // Rows split over LayerKit's threads when OpenBLAS is single-threaded.
                let pa = a.readPointer(T.self), po = out.pointer(T.self)
                forEachProductGroup(rows, groups: KernelStrategy.productGroups(rows, unitCost: cols)) { _, lo, hi in
                    T.gemm(transA: false, transB: transposeMatrix, m: hi - lo, n: cols, k: inner, alpha: 1,
                           a: pa + lo * inner, lda: inner, b: pm, ldb: transposeMatrix ? inner : cols,
                           beta: 0, c: po + lo * cols, ldc: cols)
                }
            }
        }
        if rows * cols == 0 { return }
        switch out.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: opError("rfft", "expected float32 or float64 tensors, got \(out.dtype)")
        }
    }
}
