#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// How many threads LayerKit uses: its one thread pool runs the large element-wise loops,
/// reductions, FFT row blocks and the products, split into blocks that OpenBLAS computes
/// single-threaded (OpenBLAS's own threads never start).
///
/// The default is the `LAYERKIT_NUM_THREADS` environment variable if set, else the number of
/// active processors. Work under about 64k elements always runs on the calling thread
/// (``KernelStrategy`` has every such threshold).
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
        return Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}
