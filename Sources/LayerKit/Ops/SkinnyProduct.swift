import CBLAS

// x·Wᵀ for a W of at most 16 rows: a Linear with few outputs, such as a classifier head.
// AVX-512 builds run it through the kernel below; other builds split it into row blocks that
// OpenBLAS runs single-threaded, over LayerKit's threads (`SmallProductSplit`).
//
// OpenBLAS 0.3.21 took 33 µs on one thread for Linear(256, 10) at batch 256 (1.3 MFLOP, about
// 40 GFLOP/s): for a product this narrow its packing of both operands costs more than the
// arithmetic. Here Wᵀ is kept as k vectors of 16 floats (zeros past n), cached with W's buffer
// like the tensor reduction's fold, and each input feature of 8 rows of x is broadcast and
// multiplied into its vector: one 16-lane FMA per row and feature, nothing packed per call.

/// When `op(A)·Bᵀ` goes through ``skinnyProductRows(_:k:_:n:_:ldc:beta:rows:_:)``.
enum SkinnyProduct {
    /// Whether this build's code may use 16-float vectors as single registers (``laneSIMD``),
    /// unless `LAYERKIT_SKINNY_KERNEL=0`.
    static let available: Bool = laneSIMD && environmentString("LAYERKIT_SKINNY_KERNEL") != "0"

    /// When set, whether to use the kernel whatever the build: lets a test run both paths.
    @TaskLocal static var forced: Bool?

    /// Whether a float32 `A·Bᵀ` of `n` output columns over `k` features (rows of A and B
    /// contiguous) uses the kernel.
    static func use(n: Int, k: Int, lda: Int, ldb: Int) -> Bool {
        (forced ?? available) && (1...16).contains(n) && k > 0 && lda == k && ldb == k
    }

    /// `w`'s `[n, k]` float32 values as Wᵀ padded to 16 columns (`k` vectors of 16 floats),
    /// kept with `w`'s buffer until it is written.
    static func transposed(_ w: Storage, n: Int, k: Int) -> Storage {
        w.derived(DerivedKey("skinnyProduct.transposed", [n, k])) { w in
            let out = Storage(dtype: .float32, count: k &* 16)
            let src = w.readPointer(Float.self), dst = out.pointer(Float.self)
            dst.initialize(repeating: 0, count: k &* 16)
            for j in 0..<n {
                for i in 0..<k { dst[i &* 16 &+ j] = src[j &* k &+ i] }
            }
            return out
        }
    }
}

/// `c[r, 0..<n] = β·c[r, 0..<n] + Σ_i a[r·k + i] · wT[16i ..< 16i + n]` for rows `lo..<hi`,
/// eight rows at a time (a short last group reads its last row again and stores only its own).
@inline(never)
func skinnyProductRows(
    _ a: UnsafePointer<Float>, k: Int, _ wT: UnsafePointer<Float>, n: Int,
    _ c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float, rows lo: Int, _ hi: Int
) {
    typealias V = SIMD16<Float>
    var r0 = lo
    while r0 < hi {
        let count = Swift.min(8, hi &- r0)
        func row(_ r: Int) -> UnsafePointer<Float> { a + (r0 &+ Swift.min(r, count &- 1)) &* k }
        let a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5), a6 = row(6), a7 = row(7)
        var s0 = V(), s1 = V(), s2 = V(), s3 = V(), s4 = V(), s5 = V(), s6 = V(), s7 = V()
        var w = UnsafeRawPointer(wT)
        for i in 0..<k {
            let v = w.loadUnaligned(as: V.self)
            s0 = s0.addingProduct(V(repeating: a0[i]), v); s1 = s1.addingProduct(V(repeating: a1[i]), v)
            s2 = s2.addingProduct(V(repeating: a2[i]), v); s3 = s3.addingProduct(V(repeating: a3[i]), v)
            s4 = s4.addingProduct(V(repeating: a4[i]), v); s5 = s5.addingProduct(V(repeating: a5[i]), v)
            s6 = s6.addingProduct(V(repeating: a6[i]), v); s7 = s7.addingProduct(V(repeating: a7[i]), v)
            w += 64
        }
        func store(_ r: Int, _ s: V) {
            guard r < count else { return }
            let out = c + (r0 &+ r) &* ldc
            if beta == 0 {
                for j in 0..<n { out[j] = s[j] }
            } else {
                for j in 0..<n { out[j] = beta * out[j] + s[j] }
            }
        }
        store(0, s0); store(1, s1); store(2, s2); store(3, s3)
        store(4, s4); store(5, s5); store(6, s6); store(7, s7)
        r0 &+= 8
    }
}

/// Skinny `x·Wᵀ` products (a `Linear` with few outputs) that LayerKit splits itself.
///
/// OpenBLAS 0.3.21 splits every product with `m·n·k` above 65536 × 4 over all its threads
/// (`interface/gemm.c`). For `x·Wᵀ` with a handful of output columns, waking its threads costs
/// more than they save: `Linear(256, 10)` at batch 256 (`m·n·k` = 655,360) took 38–42 µs on
/// 2 threads on this machine, and 25–33 as row blocks under that line (each runs single-threaded
/// on the thread that calls it) spread over LayerKit's own threads (``Parallelism/threadCount``).
/// Other shapes and layouts in the same range measured the same or slower split (OpenBLAS's
/// small-matrix kernels serve them well), so only this case is split.
enum SmallProductSplit {
    /// OpenBLAS's threading threshold on `m·n·k` (`SMP_THRESHOLD_MIN` × `GEMM_MULTITHREAD_THRESHOLD`).
    static let blasThreshold = 65536 * 4

    /// The largest `m·n·k` split this way (`LAYERKIT_GEMM_SPLIT_MAX` overrides; 0 turns it off).
    static let maxWork: Int = environmentString("LAYERKIT_GEMM_SPLIT_MAX").flatMap { Int($0) } ?? 4 << 20

    /// When set, whether to split whatever the size and thread counts: lets a test run both paths.
    @TaskLocal static var forced: Bool?

    /// The rows of C per block for one product, or nil when it runs whole: `op(A)·Bᵀ` (`batch`
    /// 1) with fewer than 32 columns, in a number of blocks that is a multiple of the thread
    /// count so that every thread gets the same work.
    static func rowsPerBlock(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, batch: Int) -> Int? {
        let work = m &* n &* k
        guard batch == 1, !transA, transB, n < 32, forced ?? (work > blasThreshold && work <= maxWork
              && Parallelism.threadCount > 1 && openblas_get_num_threads() > 1) else { return nil }
        let limit = blasThreshold / Swift.max(1, n &* k), threads = Parallelism.threadCount
        guard limit > 0 else { return nil }
        let blocks = ((m + limit - 1) / limit + threads - 1) / threads * threads
        let rows = (m + blocks - 1) / blocks
        // Blocks so thin that each call's packing of W dominates are not worth it.
        return rows >= 16 && rows < m ? rows : nil
    }
}
