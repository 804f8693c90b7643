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

/// Runs `body(group, lo, hi)` for `groups` contiguous, near-equal ranges of `0..<n`, on
/// separate threads when `groups > 1` (``KernelStrategy/productGroups(_:unitCost:)`` picks it).
func forEachProductGroup(_ n: Int, groups: Int, _ body: (Int, Int, Int) -> Void) {
    if groups <= 1 {
        body(0, 0, n)
        return
    }
    parallelTasks(groups) { (g: Int) in body(g, g * n / groups, (g + 1) * n / groups) }
}
