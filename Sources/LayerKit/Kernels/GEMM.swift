import CBLAS
import CKernels

// Matrix products: CBLAS `sgemm`/`dgemm` with transpose flags (never a copy made only to
// transpose), split over LayerKit's threads (``KernelStrategy/productSplit(m:n:k:)``), and
// LayerKit's own kernel for skinny `x·Wᵀ` (``KernelStrategy/skinnyProduct(n:k:lda:ldb:)``).

/// `C[i] ← op(A[i])·op(B[i]) + β·C[i]` for `batch` row-major matrices (strides in elements
/// between the batch's matrices; 0 reuses one operand). All four storages share a float dtype;
/// `k > 0`.
func gemmKernel(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, batch: Int,
    a: Storage, strideA: Int, lda: Int, b: Storage, strideB: Int, ldb: Int,
    beta: Double, c: Storage, ldc: Int
) {
    struct Product: FloatKernel {
        let transA: Bool, transB: Bool, m: Int, n: Int, k: Int, batch: Int
        let a: Storage, strideA: Int, lda: Int, b: Storage, strideB: Int, ldb: Int, beta: Double, c: Storage, ldc: Int

        func run<T: KernelScalar>(_: T.Type) {
            let pa = a.readPointer(T.self), pb = b.readPointer(T.self), pc = c.pointer(T.self)
            if batch == 1, !transA, transB, T.skinnyProduct(pa, k: k, b, n: n, pc, ldc: ldc, beta: T(beta), m: m, lda: lda, ldb: ldb) {
                return
            }
            for i in 0..<batch {
                T.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1,
                       a: pa + i * strideA, lda: lda, b: pb + i * strideB, ldb: ldb,
                       beta: T(beta), c: pc + i * m * n, ldc: ldc)
            }
        }
    }
    c.dtype.dispatch("matmul", Product(transA: transA, transB: transB, m: m, n: n, k: k, batch: batch, a: a, strideA: strideA,
                                       lda: lda, b: b, strideB: strideB, ldb: ldb, beta: beta, c: c, ldc: ldc))
}

extension Float {
    /// `c = β·c + a·Wᵀ` through the skinny kernel (`lk_skinny_rows`) when
    /// ``KernelStrategy/skinnyProduct(n:k:lda:ldb:)`` says so; false otherwise. Wᵀ is kept as
    /// `k` vectors of 16 floats (zeros past `n`) with W's buffer, and each input feature of a
    /// tile of rows of `a` is broadcast and multiplied into its vector: one 16-lane FMA per row
    /// and feature, nothing packed per call.
    static func skinnyProduct(
        _ a: UnsafePointer<Float>, k: Int, _ w: Storage, n: Int, _ c: UnsafeMutablePointer<Float>, ldc: Int,
        beta: Float, m: Int, lda: Int, ldb: Int
    ) -> Bool {
        guard KernelStrategy.skinnyProduct(n: n, k: k, lda: lda, ldb: ldb) else { return false }
        let wT = w.derived(DerivedKey("skinnyProduct.transposed", [n, k])) { w in
            let out = Storage(dtype: .float32, count: k &* 16)
            let src = w.readPointer(Float.self), dst = out.pointer(Float.self)
            dst.initialize(repeating: 0, count: k &* 16)
            for j in 0..<n {
                for i in 0..<k { dst[i &* 16 &+ j] = src[j &* k &+ i] }
            }
            return out
        }
        let pw = wT.readPointer(Float.self), level = KernelStrategy.level.code
        parallelChunks(m, align: 8, unitCost: k) { lo, hi in
            lk_skinny_rows(level, a, k, pw, n, c, ldc, beta, lo, hi)
        }
        withExtendedLifetime(wT) {}
        return true
    }
}

extension Double {
    /// No skinny kernel for float64: OpenBLAS's `dgemm` runs it.
    static func skinnyProduct(
        _ a: UnsafePointer<Double>, k: Int, _ w: Storage, n: Int, _ c: UnsafeMutablePointer<Double>, ldc: Int,
        beta: Double, m: Int, lda: Int, ldb: Int
    ) -> Bool { false }
}

/// A one-time 512×512×16 `sgemm` (about 1 ms) before the first sizeable float32 product.
///
/// Measured with Debian's OpenBLAS 0.3.21 on an AMD EPYC (Zen kernels): on one thread, until
/// some product with both output sides ≥ ~384 has run in the process, every `sgemm` of a
/// Linear(784, 256) at batch 256 runs ~3× slower (8.5 ms instead of 2.8) — for as long as the
/// process lives. One such product, of any depth, clears it for good. The cause is inside
/// OpenBLAS; this warm-up makes LayerKit's speed not depend on the order in which a program
/// happens to call its products.
enum OpenBLASWarmUp {
    static let done: Bool = {
        let n = 512, k = 16
        let a = UnsafeMutablePointer<Float>.allocate(capacity: n * k)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: k * n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        a.initialize(repeating: 0, count: n * k)
        b.initialize(repeating: 0, count: k * n)
        _ = OpenBLASSetup.singleThreaded
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(n), blasint(n), blasint(k),
                    1, a, blasint(k), b, blasint(n), 0, c, blasint(n))
        return true
    }()
}
