import Synchronization

/// Every choice LayerKit makes between two ways of computing the same thing — which GEMM,
/// which FFT, when to split work over threads, which derived values to keep — in one place,
/// each with its threshold, the reason for it and how to override it.
///
/// Nothing here changes a result beyond float rounding: every path computes the same values,
/// and the tests run each path (forced for their own task) against the others. The choices are
/// made per call from the shape, the dtype, the thread count and the SIMD level (the CPU's,
/// or `LAYERKIT_SIMD`); ``summary``, ``explainProduct(m:n:k:transA:transB:dtype:)``,
/// ``explainRFFT(rows:n:bins:dtype:)`` and ``explainTensorReduction(batch:inFeatures:outFeatures:dtype:)``
/// print them for a shape on this CPU (`layerkit-bench --explain`).
///
/// The measurements quoted are in `Notes/benchmarks.md`, `Notes/fft-speed.md` and
/// `Notes/reduction-speed.md`.
public enum KernelStrategy {
    // MARK: - Overrides

    /// Forced choices for the current task (tests run every path through them). `nil` fields
    /// leave the choice to the rules below.
    struct Overrides: Sendable {
        /// The SIMD level, clamped to ``SIMDLevel/cpu``.
        var level: SIMDLevel?
        /// Whether a skinny `x·Wᵀ` runs ``skinnyProduct(n:k:lda:ldb:)``'s kernel (needs AVX2).
        var skinnyProduct: Bool?
        /// Whether a product splits over threads whatever its size.
        var productSplit: Bool?
        /// The number of groups a batch of products is split into.
        var productGroups: Int?
        /// Whether the tensor reduction runs its tile kernel (needs AVX-512).
        var quadraticTile: Bool?
        /// Whether an even-length float32 `rfft(bins:)` runs the lane FFT (needs AVX-512).
        var laneFFT: Bool?
    }

    /// The overrides of the current task (set through ``withOverrides(_:_:)``).
    @TaskLocal private static var taskOverrides = Overrides()

    /// How many ``withOverrides(_:_:)`` scopes are open in the process: while none is, no task
    /// has overrides and the choices skip the task-local lookup (several nanoseconds on every
    /// op, a tenth of a 5-element `x + 1`).
    private static let openScopes = Atomic<Int>(0)

    /// The overrides in force for the current task.
    static var overrides: Overrides {
        openScopes.load(ordering: .acquiring) == 0 ? Overrides() : taskOverrides
    }

    /// Runs `body` with `overrides` in force for the current task (and the tasks it creates)
    /// only: tests running in parallel do not see each other's.
    static func withOverrides<R>(_ overrides: Overrides, _ body: () throws -> R) rethrows -> R {
        openScopes.wrappingAdd(1, ordering: .releasing)
        defer { openScopes.wrappingSubtract(1, ordering: .releasing) }
        return try $taskOverrides.withValue(overrides, operation: body)
    }

    // MARK: - The SIMD level

    /// The level `LAYERKIT_SIMD` asks for (`portable`, `avx2`, `avx512`), never above the CPU's.
    static let environmentLevel: SIMDLevel = {
        guard let name = environmentString("LAYERKIT_SIMD")?.lowercased(),
              let asked = SIMDLevel.allCases.first(where: { $0.description == name }) else { return SIMDLevel.cpu }
        return min(asked, SIMDLevel.cpu)
    }()

    /// The level the C kernels run at: the CPU's highest (read once), lowered by
    /// `LAYERKIT_SIMD` or a test's override, never raised above what the CPU has.
    static var level: SIMDLevel { overrides.level.map { min($0, SIMDLevel.cpu) } ?? environmentLevel }

    // MARK: - Thread splits

    /// Elements below which an element-wise loop, a sum or a fill runs on the calling thread
    /// (64k: about 20–40 µs of arithmetic, several times a pool hand-off).
    static let elementwiseGrain = 1 << 16
    /// The same for loops whose every element costs tens of instructions (GELU, its backward).
    static let transcendentalGrain = 1 << 14
    /// The same for copies that follow an op over the same rows (a slice after an FFT): the
    /// win is each core reading the half it wrote, so they split sooner than arithmetic.
    static let copyGrain = 1 << 13
    /// Elements (rows × n) from which the FFTs split their rows over threads. 32k: at
    /// 1024 × 100 (102,400 elements, about 60 µs on one thread) a second thread takes the
    /// forward from ~78 to ~62 µs and the forward plus backward from ~300 to ~240.
    static let fftGrain = 1 << 15
    /// Bytes of the widest array per row block of the half-length FFT (inside a core's L2).
    static let fftRowBlockBytes = 256 << 10
    /// Multiply-adds from which the tensor reduction's tile loops split over threads.
    static let tileGrain = 1 << 20
    /// Weight elements from which building a fold of the tensor reduction splits over threads.
    static let foldGrain = 1 << 15

    /// Elements from which an element-wise op runs its C kernel rather than the generic Swift
    /// loop (the same values): the C call's vector loop costs about 50 instructions to set up,
    /// half of a 5-element `x + 1` (`tinyop.*`); below 64 elements the inlined loop is cheaper.
    static let elementwiseKernelMinimum = 64

    // MARK: - Products

    /// From this `m·n·k` a float32 product first runs OpenBLAS's warm-up (``OpenBLASWarmUp``).
    static let openBLASWarmUpWork = 1 << 20

    /// Whether a float32 `x·Wᵀ` with `n ≤ 16` outputs runs LayerKit's skinny kernel over Wᵀ
    /// padded to 16 columns (cached with W's buffer) instead of OpenBLAS. OpenBLAS 0.3.21 took
    /// 33 µs on one thread for Linear(256, 10) at batch 256, the kernel 18: for a product this
    /// narrow OpenBLAS's packing of both operands costs more than the arithmetic. Needs AVX2
    /// (level `.avx2` or above); override `skinnyProduct`.
    static func skinnyProduct(n: Int, k: Int, lda: Int, ldb: Int) -> Bool {
        guard (1...16).contains(n) && k > 0 && lda == k && ldb == k && level >= .avx2 else { return false }
        return overrides.skinnyProduct ?? true
    }

    /// How a product is split over LayerKit's threads.
    enum ProductSplit: Equatable {
        /// One OpenBLAS call on the calling thread.
        case whole
        /// That many blocks of C's rows (C has at least as many rows as columns).
        case rows(Int)
        /// That many blocks of C's columns.
        case columns(Int)
    }

    /// The `m·n·k` from which a product splits over threads: OpenBLAS's own threading threshold
    /// (`SMP_THRESHOLD_MIN` × `GEMM_MULTITHREAD_THRESHOLD`, 65536 × 4). OpenBLAS itself runs
    /// single-threaded (one thread pool), so LayerKit splits what OpenBLAS would have split.
    static let productSplitWork = 65536 * 4

    /// How `C [m × n] = op(A)·op(B)` over `k` runs: whole below ``productSplitWork`` or on one
    /// thread; otherwise one block per thread, along C's longer side (each block then packs a
    /// share of one operand and all of the other, as OpenBLAS's own split does), blocks at
    /// least 16 rows or columns wide. Override `productSplit`.
    static func productSplit(m: Int, n: Int, k: Int) -> ProductSplit {
        let threads = Parallelism.threadCount
        let forced = overrides.productSplit
        guard threads > 1, forced ?? (m &* n &* k >= productSplitWork) else { return .whole }
        let blocks = Swift.min(threads, Swift.max(m, n) / 16)
        guard blocks > 1 else { return .whole }
        return m >= n ? .rows(blocks) : .columns(blocks)
    }

    /// How many groups to split `n` independent products into (per-sample convolutions, the
    /// FNO's truncated transforms): one per LayerKit thread when there is enough work
    /// (`unitCost` is one product's output elements; 16k outputs per group at least), else 1
    /// (one call after another, each split by ``productSplit(m:n:k:)``). Override `productGroups`.
    static func productGroups(_ n: Int, unitCost: Int) -> Int {
        if let forced = overrides.productGroups { return Swift.max(1, Swift.min(forced, n)) }
        guard n > 1, Parallelism.threadCount > 1 else { return 1 }
        return Swift.max(1, Swift.min(Parallelism.threadCount, n, n &* unitCost / (1 << 14)))
    }

    // MARK: - Fourier transforms

    /// Whether the truncated transforms of `n` points to `bins` bins (`rfft(bins:)` inside
    /// ``SpectralConv1d``, and its inverse) run as one GEMM with the truncated DFT matrix
    /// rather than through FFTW: an FFT costs ~2.5·n·log₂n flops per row against 4·n·bins here,
    /// but the GEMM runs at BLAS speed; for the FNO's 16 modes of 1024 points it is several
    /// times faster (`Notes/burgers-experiment.md`). Up to 32 bins and a matrix of 2²¹ entries.
    static func truncatedDFT(n: Int, bins: Int) -> Bool {
        bins >= 1 && bins <= 32 && n * bins <= 1 << 20
    }

    /// The shortest even length that takes the half-length FFT (a complex FFT of `n/2` points
    /// and one butterfly pass) rather than FFTW's own real transform: every even length.
    static let halfLengthMinimum = 2

    /// The largest half-length `h` the lane FFT always takes.
    static let laneFFTLimit = 4096
    /// The largest half-length `h` it takes when every thread gets a row group of its own (a
    /// group is not split, and above this FFTW's threads beat one lane FFT; its scratch buffer
    /// is 4 MB per thread at this size).
    static let laneFFTLargeLimit = 32768

    /// Whether an even-length float32 `rfft(bins:)` of `batch` rows of `n` runs the lane FFT
    /// (16 rows side by side in AVX-512 registers, `CKernels/lane_fft.c`) rather than FFTW's
    /// c2c plus a butterfly pass. At 256×1024 it took 0.6–0.7 of FFTW's time; without AVX-512
    /// a lane FFT was 2.5× FFTW's, so it needs level `.avx512`. Rows of `h = n/2` with factors
    /// 2, 3 and 5 only, at least 8 rows, `h ≥ 8`. Override `laneFFT`.
    static func laneFFT(n: Int, batch: Int) -> Bool {
        let h = n / 2
        guard level >= .avx512, n % 2 == 0, h >= 8, batch >= LaneFFTPlan.lanes / 2,
              LaneFFTPlan.radices(h) != nil else { return false }
        if let forced = overrides.laneFFT { return forced }
        if h <= laneFFTLimit { return true }
        return h <= laneFFTLargeLimit && (batch + LaneFFTPlan.lanes - 1) / LaneFFTPlan.lanes >= Parallelism.threadCount
    }

    // MARK: - The tensor reduction

    /// Whether the float32 tensor reduction (``Tensor/quadraticForm(_:)``) with `outputs`
    /// columns runs LayerKit's 8 × 32 tile kernel over panel-packed folds of its weight rather
    /// than OpenBLAS products over the transposed fold: OpenBLAS spent about 40% of its product
    /// repacking the weight on every call, which the panels make unnecessary (0.4–0.5 of the
    /// time at (256,64,64) and (32,128,128)). From 32 outputs up (below, a padded 32-column
    /// panel wastes more than OpenBLAS's packing costs); needs level `.avx512` (the tile's 16
    /// accumulators of 16 floats). Override `quadraticTile`.
    static func quadraticTile(outputs: Int) -> Bool {
        guard level >= .avx512 else { return false }
        return overrides.quadraticTile ?? (outputs >= 32)
    }

    /// Whether the tile kernel also computes the reduction's weight gradient, straight into
    /// both triangles of `dW`: with the tile kernel and a whole number of 32-column panels.
    static func quadraticWeightGradientTile(outputs: Int) -> Bool {
        quadraticTile(outputs: outputs) && outputs % 32 == 0
    }

    /// Whether the reduction's OpenBLAS forward computes `yᵀ = Sᵀ·Oᵀ` and transposes it
    /// (batches no larger than the outputs: OpenBLAS splits the larger side better).
    static func quadraticForwardTransposed(batch: Int, outputs: Int) -> Bool { batch <= outputs }

    /// Whether ``Tensor/bilinear(_:_:weight:bias:)`` computes `(W·Pᵀ)ᵀ` rather than `P·Wᵀ`:
    /// with fewer rows than outputs OpenBLAS splits the larger M over its threads better
    /// (32×128×128×128: ~1.6 ms against ~2–3 ms, one thread).
    static func bilinearTransposed(rows: Int, outputs: Int) -> Bool { rows < outputs }

    // MARK: - Derived values kept with a buffer

    /// The values derived from a weight and kept with its buffer until the buffer is written
    /// (``Storage/derived(_:make:)``): Wᵀ padded to 16 columns for the skinny kernel, and the
    /// tensor reduction's folds (`W_ij + W_ji` over `i ≤ j`: transposed for OpenBLAS, in
    /// 32-column panels for the tile kernel's forward, in 32-pair panels for its input
    /// gradient). A training step writes the weight, so it rebuilds them once per step; a
    /// forward-only loop builds them once.
    static let keptDerivedValues = ["skinnyProduct.transposed", "quadraticForm.fold", "quadraticForm.panels",
                                    "quadraticForm.pairPanels+panels"]
}
