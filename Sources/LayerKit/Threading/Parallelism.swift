import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// How many threads LayerKit's own loops use for large element-wise work and reductions
/// (BLAS and FFTW calls are separate: OpenBLAS reads `OPENBLAS_NUM_THREADS`).
///
/// The default is the `LAYERKIT_NUM_THREADS` environment variable if set, else the number of
/// active processors. Work under about 64k elements always runs on the calling thread.
///
///     Parallelism.threadCount = 1    // everything on the calling thread
public enum Parallelism {
    static let threads = Atomic<Int>(defaultThreadCount())

    /// The number of threads large element-wise loops are split over (at least 1).
    public static var threadCount: Int {
        get { threads.load(ordering: .relaxed) }
        set { threads.store(Swift.max(1, newValue), ordering: .relaxed) }
    }

    private static func defaultThreadCount() -> Int {
        if let s = getenv("LAYERKIT_NUM_THREADS"), let n = Int(String(cString: s)), n > 0 { return n }
        return Swift.max(1, ProcessInfoLite.activeProcessors)
    }

    /// Elements below which a loop is not split.
    static let grain = 1 << 16
}

/// The active processor count without Foundation.
enum ProcessInfoLite {
    static var activeProcessors: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}

/// Runs `body` over `0..<n` in contiguous chunks, on up to ``Parallelism/threadCount``
/// threads when `n` is large; chunk boundaries are multiples of `align` elements.
/// `unitCost` is the number of elements one index stands for (a row's length), so that
/// the split decision sees the real amount of work.
@inline(__always)
func parallelChunks(
    _ n: Int, align: Int = 64, unitCost: Int = 1, grain: Int = Parallelism.grain, _ body: (Int, Int) -> Void
) {
    // One chunk per thread, split the same way for every op over the same rows: the caller
    // runs the first chunk (concurrentPerform starts iteration 0 on the calling thread), so
    // consecutive ops mostly find their half of the data in their own core's cache.
    let t = Swift.min(Parallelism.threadCount, n &* unitCost / grain, n)
    if t <= 1 {
        body(0, n)
        return
    }
    let chunk = ((n + t - 1) / t + align - 1) / align * align
    withoutActuallyEscaping(body) { body in
        let box = UncheckedSendableBox(body)
        DispatchQueue.concurrentPerform(iterations: t) { c in
            let lo = c * chunk, hi = Swift.min(n, lo + chunk)
            if lo < hi { box.value(lo, hi) }
        }
    }
}

/// Carries a non-Sendable value into `concurrentPerform`: the chunks touch disjoint ranges.
struct UncheckedSendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
