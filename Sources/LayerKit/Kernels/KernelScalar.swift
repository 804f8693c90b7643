import CBLAS
import CKernels

/// The scalar types LayerKit's kernels run on (`Float`, `Double`), with the calls that differ
/// per type: the BLAS routine, and the loops that have a C kernel for one type and a generic
/// Swift loop for the other. Kernels are written once over it (``FloatKernel``) and picked by
/// ``DType/dispatch(_:_:)``.
protocol KernelScalar: TensorScalar {
    /// `C ← α·op(A)·op(B) + β·C`, row-major, one single-threaded CBLAS `sgemm`/`dgemm` call
    /// (``gemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` splits over threads).
    static func blasGemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    /// `C ← op(A)·op(B)` for complex matrices stored as (re, im) pairs of this type, row-major,
    /// through CBLAS `cgemm`/`zgemm`; `conj` flags take the conjugate transpose. Sizes and
    /// leading dimensions count complex elements.
    static func complexGemm(
        conjA: Bool, conjB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int, c: UnsafeMutablePointer<Self>, ldc: Int)

    /// The sum of `n` contiguous values, accumulated so that a million float32 values sum
    /// without drift (blocks in the type, block sums in `Double`).
    static func contiguousSum(_ p: UnsafePointer<Self>, _ n: Int) -> Double

    /// `out[i] = x[i]·Φ(x[i])` (the exact GELU) over same-count storages of this type.
    static func gelu(_ x: Storage, into out: Storage)

    /// GELU's backward, `out[i] = g[i]·(Φ(x[i]) + x[i]·φ(x[i]))`, given the forward's output `y`.
    static func geluBackward(_ g: Storage, _ x: Storage, output y: Storage, into out: Storage)

    /// `c = β·c + a·Wᵀ` (`m` rows, `n ≤ 16` outputs, W `[n, k]` in `w`) through LayerKit's skinny
    /// kernel when the type has one and ``KernelStrategy`` picks it; false when it did nothing.
    static func skinnyProduct(
        _ a: UnsafePointer<Self>, k: Int, _ w: Storage, n: Int, _ c: UnsafeMutablePointer<Self>, ldc: Int,
        beta: Self, m: Int, lda: Int, ldb: Int) -> Bool

    /// `out[t] = a[t·sa] op b[t·sb]` for `t < n` through the C kernel (steps 0 or 1).
    static func binary(
        _ op: BinarySIMD, _ a: UnsafePointer<Self>, _ sa: Int, _ b: UnsafePointer<Self>, _ sb: Int,
        _ out: UnsafeMutablePointer<Self>, _ n: Int, level: SIMDLevel)

    /// `out[t] = op(x[t])` for `t < n` through the C kernel.
    static func unary(_ op: UnarySIMD, _ x: UnsafePointer<Self>, _ out: UnsafeMutablePointer<Self>, _ n: Int, level: SIMDLevel)

    /// One SGD update of elements `lo..<hi` in place (`lk_sgd_f32`'s modes).
    static func sgd(
        _ mode: Int32, _ p: UnsafeMutablePointer<Self>, _ g: UnsafePointer<Self>, _ b: UnsafeMutablePointer<Self>?,
        _ lo: Int, _ hi: Int, negLr: Self, wd: Self, mu: Self, keep: Self, level: SIMDLevel)

    /// One Adam update of elements `lo..<hi` in place (AMSGrad when `vmax` is given).
    static func adam(
        _ p: UnsafeMutablePointer<Self>, _ g: UnsafePointer<Self>, _ m: UnsafeMutablePointer<Self>,
        _ v: UnsafeMutablePointer<Self>, _ vmax: UnsafeMutablePointer<Self>?, _ lo: Int, _ hi: Int,
        _ c: AdamCoefficients<Self>, level: SIMDLevel)

    /// Every element of `s` (of this type) set to `value`, split over threads.
    static func fill(_ s: Storage, _ value: Double)

    /// Whether the tensor reduction has tile kernels for this type (`TensorReduction/QuadraticTiles.swift`).
    static var hasQuadraticTile: Bool { get }

    /// One row of the tensor reduction's packed outer product, `o[q] = x_r x_c` for `r ≤ c`.
    static func packOuterRow(_ i: Int, _ x: UnsafePointer<Self>, _ o: UnsafeMutablePointer<Self>, level: SIMDLevel)

    /// One row of the tensor reduction's input gradient from its row of `M = g·Sᵀ`:
    /// `d[c] = Σ_{r ≤ c} M_p(r,c) x_r + Σ_{c' ≥ c} M_p(c,c') x_c'` (the diagonal twice).
    static func quadraticInputGradientRow(
        _ i: Int, _ x: UnsafePointer<Self>, _ m: UnsafePointer<Self>, _ d: UnsafeMutablePointer<Self>, level: SIMDLevel)
}

extension KernelScalar {
    /// `C ← α·op(A)·op(B) + β·C`, row-major: OpenBLAS runs single-threaded (one thread pool,
    /// LayerKit's), and a product large enough (``KernelStrategy/productSplit(m:n:k:)``) runs
    /// as blocks of C's rows, or of its columns when C has few rows, over LayerKit's threads.
    @inline(__always)
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        _ = OpenBLASSetup.singleThreaded
        switch KernelStrategy.productSplit(m: m, n: n, k: k) {
        case .whole:
            blasGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                     beta: beta, c: c, ldc: ldc)
        case .rows(let blocks):
            // Rows r of C are rows r of op(A): A's row r (column r when transposed).
            parallelTasks(blocks) { block in
                let lo = block * m / blocks, hi = (block + 1) * m / blocks
                blasGemm(transA: transA, transB: transB, m: hi - lo, n: n, k: k, alpha: alpha,
                         a: a + (transA ? lo : lo * lda), lda: lda, b: b, ldb: ldb, beta: beta, c: c + lo * ldc, ldc: ldc)
            }
        case .columns(let blocks):
            // Columns j of C are columns j of op(B): B's column j (row j when transposed).
            parallelTasks(blocks) { block in
                let lo = block * n / blocks, hi = (block + 1) * n / blocks
                blasGemm(transA: transA, transB: transB, m: m, n: hi - lo, k: k, alpha: alpha, a: a, lda: lda,
                         b: b + (transB ? lo * ldb : lo), ldb: ldb, beta: beta, c: c + lo, ldc: ldc)
            }
        }
    }
}

/// OpenBLAS set to one thread, once, before LayerKit's first product: LayerKit splits products
/// over its own pool, so OpenBLAS's threads (which spin for about 0.1 s after each call, taking
/// the cores LayerKit's element-wise loops want) never start.
enum OpenBLASSetup {
    static let singleThreaded: Bool = {
        openblas_set_num_threads(1)
        return true
    }()
}

extension Float: KernelScalar {
    static func blasGemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m &* n &* k >= KernelStrategy.openBLASWarmUpWork { _ = OpenBLASWarmUp.done }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }

    static func complexGemm(
        conjA: Bool, conjB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        var one: (Float, Float) = (1, 0), zero: (Float, Float) = (0, 0)
        cblas_cgemm(CblasRowMajor, conjA ? CblasConjTrans : CblasNoTrans, conjB ? CblasConjTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), &one, a, blasint(lda), b, blasint(ldb), &zero, c, blasint(ldc))
    }

    static func contiguousSum(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
        lk_sum(KernelStrategy.level.code, p, n)
    }

    static func gelu(_ x: Storage, into out: Storage) {
        let px = x.readPointer(Float.self), po = out.pointer(Float.self), level = KernelStrategy.level.code
        parallelChunks(out.count, grain: KernelStrategy.transcendentalGrain) { lo, hi in lk_gelu(level, px, po, lo, hi) }
    }

    static func geluBackward(_ g: Storage, _ x: Storage, output y: Storage, into out: Storage) {
        let pg = g.readPointer(Float.self), px = x.readPointer(Float.self), py = y.readPointer(Float.self)
        let po = out.pointer(Float.self), level = KernelStrategy.level.code
        parallelChunks(out.count, grain: KernelStrategy.transcendentalGrain) { lo, hi in
            lk_gelu_backward(level, pg, px, py, po, lo, hi)
        }
    }
}

extension Double: KernelScalar {
    static func blasGemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }

    static func complexGemm(
        conjA: Bool, conjB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        var one: (Double, Double) = (1, 0), zero: (Double, Double) = (0, 0)
        cblas_zgemm(CblasRowMajor, conjA ? CblasConjTrans : CblasNoTrans, conjB ? CblasConjTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), &one, a, blasint(lda), b, blasint(ldb), &zero, c, blasint(ldc))
    }

    static func contiguousSum(_ p: UnsafePointer<Double>, _ n: Int) -> Double {
        var total = 0.0
        var start = 0
        while start < n {
            let end = min(start &+ 1024, n)
            var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
            var i = start
            while i &+ 4 <= end {
                s0 += p[i]; s1 += p[i &+ 1]; s2 += p[i &+ 2]; s3 += p[i &+ 3]
                i &+= 4
            }
            while i < end { s0 += p[i]; i &+= 1 }
            total += (s0 + s1) + (s2 + s3)
            start = end
        }
        return total
    }

    static func gelu(_ x: Storage, into out: Storage) {
        unaryLoop(Double.self, x, out, GeluKernel())
    }

    static func geluBackward(_ g: Storage, _ x: Storage, output y: Storage, into out: Storage) {
        binaryLoop(Double.self, g, [g.count], x, [x.count], out, [out.count], GeluBackwardKernel())
    }
}
