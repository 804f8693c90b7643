import CBLAS

extension Parallelism {
    /// How many threads OpenBLAS splits one product over (`openblas_set_num_threads`); the
    /// default comes from `OPENBLAS_NUM_THREADS` or the processor count.
    ///
    /// With 1, LayerKit splits the batches of products it issues itself (``Tensor/conv1d(_:weight:bias:stride:padding:)``'s
    /// per-sample products, the FNO's truncated transforms) over its own ``threadCount`` threads
    /// instead. That is the faster arrangement for models made of many medium-sized products and
    /// element-wise work, such as ``FNO1d``: after each call OpenBLAS's idle threads spin (for about
    /// 0.1 s, `sched_yield` in a loop), taking the cores LayerKit's element-wise loops and other
    /// processes want. `Notes/burgers-experiment.md` ("Speed") has the measurements.
    ///
    ///     Parallelism.blasThreadCount = 1     // one thread pool: LayerKit's
    public static var blasThreadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(Swift.max(1, newValue))) }
    }
}

extension Parallelism {
    /// When set, the number of groups every batch of products is split into, whatever OpenBLAS's
    /// thread count: lets a test compare the split and unsplit paths inside its own task, without
    /// touching the process-wide ``blasThreadCount`` other tests share.
    @TaskLocal static var forcedProductGroups: Int?
}

/// How many groups to split `n` independent products into: one per LayerKit thread when
/// OpenBLAS runs single-threaded (``Parallelism/blasThreadCount`` = 1) and there is enough work,
/// else 1 (one call after another, OpenBLAS splitting each). `unitCost` is one product's output
/// elements.
func productGroups(_ n: Int, unitCost: Int) -> Int {
    if let forced = Parallelism.forcedProductGroups { return Swift.max(1, Swift.min(forced, n)) }
    guard n > 1, Parallelism.threadCount > 1, openblas_get_num_threads() == 1 else { return 1 }
    return Swift.max(1, Swift.min(Parallelism.threadCount, n, n &* unitCost / (1 << 14)))
}

/// Runs `body(group, lo, hi)` for `groups` contiguous, near-equal ranges of `0..<n`, on
/// separate threads when `groups > 1`.
func forEachProductGroup(_ n: Int, groups: Int, _ body: (Int, Int, Int) -> Void) {
    if groups <= 1 {
        body(0, 0, n)
        return
    }
    parallelChunks(groups, align: 1, unitCost: 1, grain: 1) { glo, ghi in
        for g in glo..<ghi { body(g, g * n / groups, (g + 1) * n / groups) }
    }
}
