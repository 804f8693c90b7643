import CKernels

/// Runs `body` over `0..<n` in contiguous chunks, on up to ``Parallelism/threadCount``
/// threads of LayerKit's pool (`lk_parallel`) when `n` is large; chunk boundaries are
/// multiples of `align` elements. `unitCost` is the number of elements one index stands for
/// (a row's length), so that the split decision sees the real amount of work; below `grain`
/// elements everything runs on the calling thread.
///
/// One chunk per thread, split the same way for every op over the same rows: the caller runs
/// the first chunk and the workers take chunks from the end, so consecutive ops mostly find
/// their part of the data in their own core's cache. A call from inside a chunk runs serially.
@inline(__always)
func parallelChunks(
    _ n: Int, align: Int = 64, unitCost: Int = 1, grain: Int = KernelStrategy.elementwiseGrain,
    _ body: (Int, Int) -> Void
) {
    let t = Swift.min(Parallelism.threadCount, n &* unitCost / grain, n)
    if t <= 1 {
        body(0, n)
        return
    }
    let chunk = ((n + t - 1) / t + align - 1) / align * align
    parallelTasks(t) { c in
        let lo = c * chunk, hi = Swift.min(n, lo + chunk)
        if lo < hi { body(lo, hi) }
    }
}

/// Runs `body(task)` for every task in `0..<tasks` on up to `threads` threads of LayerKit's
/// pool (the caller takes tasks from the front, the workers from the back).
func parallelTasks(_ tasks: Int, threads: Int = Parallelism.threadCount, _ body: (Int) -> Void) {
    if tasks <= 1 || threads <= 1 {
        for task in 0..<tasks { body(task) }
        return
    }
    withoutActuallyEscaping(body) { body in
        var job = PoolJob(body: body)
        withUnsafeMutablePointer(to: &job) { context in
            lk_parallel(tasks, threads, { context, task in
                context!.assumingMemoryBound(to: PoolJob.self).pointee.body(task)
            }, context)
        }
    }
}

/// A job handed to the C pool: the tasks touch disjoint data, and `lk_parallel` returns only
/// when every task has run, so the closure outlives none of its calls.
private struct PoolJob {
    let body: (Int) -> Void
}
