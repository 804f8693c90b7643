import Foundation
import Synchronization

// The truncated DFT of `rfft(bins:)` and `irfft(n:)` as GEMMs (Ops/TruncatedDFT.swift has the
// ops, the maths and their graphs): the matrices, cached, and the product.

/// The truncated-DFT matrices F and S of one (n, bins, dtype), built once and cached. The
/// storages are never written after they are made, so sharing them between threads is safe.
final class TruncatedDFTMatrix: @unchecked Sendable {
    /// F, `[n, 2·bins]`, in the dtype's precision.
    let forward: Storage
    /// S, `[n, 2·bins]`.
    let inverse: Storage

    private static let cache = Mutex<[String: TruncatedDFTMatrix]>([:])

    private init(n: Int, bins: Int, dtype: DType) {
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
        forward = Storage(f, dtype: dtype)
        inverse = Storage(s, dtype: dtype)
    }

    /// The matrices for `n` points and `bins` bins in `dtype` (float32 or float64).
    static func get(n: Int, bins: Int, dtype: DType) -> TruncatedDFTMatrix {
        let key = "\(n)x\(bins)x\(dtype)"
        return cache.withLock { table in
            if let m = table[key] { return m }
            let m = TruncatedDFTMatrix(n: n, bins: bins, dtype: dtype)
            table[key] = m
            return m
        }
    }
}

/// `out [rows, cols] = a [rows, inner] · M` (or `· Mᵀ`), M = F or S stored `[n, 2·bins]`.
/// M as the right operand is `[inner, cols]` (ld = cols), and transposed it is read from its
/// `[cols, inner]` storage (ld = inner). Rows split over LayerKit's threads when OpenBLAS is
/// single-threaded (``KernelStrategy/productGroups(_:unitCost:)``).
func truncatedDFTProduct(a: Storage, matrix: TruncatedDFTMatrix, inverse: Bool, transposeMatrix: Bool,
                         rows: Int, inner: Int, cols: Int, out: Storage) {
    struct Product: FloatKernel {
        let a: Storage, m: Storage, transposeMatrix: Bool, rows: Int, inner: Int, cols: Int, out: Storage
        func run<T: KernelScalar>(_: T.Type) {
            let pa = a.readPointer(T.self), pm = m.readPointer(T.self), po = out.pointer(T.self)
            let (inner, cols, transposeMatrix) = (inner, cols, transposeMatrix)
            forEachProductGroup(rows, groups: KernelStrategy.productGroups(rows, unitCost: cols)) { _, lo, hi in
                T.gemm(transA: false, transB: transposeMatrix, m: hi - lo, n: cols, k: inner, alpha: 1,
                       a: pa + lo * inner, lda: inner, b: pm, ldb: transposeMatrix ? inner : cols,
                       beta: 0, c: po + lo * cols, ldc: cols)
            }
        }
    }
    if rows * cols == 0 { return }
    out.dtype.dispatch("rfft", Product(a: a, m: inverse ? matrix.inverse : matrix.forward, transposeMatrix: transposeMatrix,
                                       rows: rows, inner: inner, cols: cols, out: out))
}
