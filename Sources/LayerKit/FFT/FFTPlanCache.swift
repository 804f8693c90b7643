import CFFTW
import Synchronization

/// Which real transform a plan computes.
enum FFTDirection: Hashable, Sendable {
    /// Real to half-complex (`rfft`): `n` reals in, `n/2 + 1` complex out.
    case r2c
    /// Half-complex to real (`irfft`, unnormalised): `n/2 + 1` complex in, `n` reals out.
    case c2r
}

/// What a plan is made for: FFTW's `plan_many` bakes the length and the batch count in.
struct FFTPlanKey: Hashable, Sendable, CustomStringConvertible {
    var n: Int
    var batch: Int
    var dtype: DType
    var direction: FFTDirection

    var description: String { "\(direction)(n: \(n), batch: \(batch), \(dtype))" }
}

/// One FFTW plan (`fftw_plan` or `fftwf_plan`, by the key's dtype) for contiguous rows.
///
/// `@unchecked Sendable` is safe because the handle is immutable after creation, the
/// new-array execute functions (`fftw_execute_dft_r2c` …) are documented thread-safe and may
/// run the same plan on different arrays at once, and the two calls that are not
/// thread-safe — creating and destroying the plan — happen only under
/// ``FFTPlanCache/planner``'s lock. Destruction is in `deinit`, which runs once, after the
/// cache and every executing caller (each holds the plan with `withExtendedLifetime`)
/// have let go of it, so an evicted plan is never freed under a running transform.
final class FFTPlan: @unchecked Sendable {
    let key: FFTPlanKey
    let handle: OpaquePointer

    fileprivate init(key: FFTPlanKey, handle: OpaquePointer) {
        self.key = key
        self.handle = handle
    }

    deinit {
        let handle = handle, dtype = key.dtype
        FFTPlanCache.planner.withLock { _ in
            switch dtype {
            case .float64: fftw_destroy_plan(handle)
            case .float32: fftwf_destroy_plan(handle)
            default: break  // plans exist for float dtypes only
            }
        }
    }
}

/// Plans made once per (length, batch, dtype, direction) and reused by every call.
///
/// Two locks, always taken in this order: `cache` (the dictionary) then `planner` (FFTW's
/// planner, which is not thread-safe). A plan evicted from the dictionary may be released
/// while `cache` is held, and its `deinit` then takes `planner`; nothing takes `cache`
/// while holding `planner`, so the nesting cannot deadlock.
enum FFTPlanCache {
    /// Guards every FFTW planner call: plan creation and destruction.
    static let planner = Mutex<Void>(())

    /// Plans kept at once; the least recently used is dropped beyond this.
    static let capacity = 64

    struct Entry {
        var plan: FFTPlan
        var lastUse: UInt64
    }

    struct State {
        var plans: [FFTPlanKey: Entry] = [:]
        var tick: UInt64 = 0
        /// How many plans were ever made per key: tests check that a key is planned once.
        var created: [FFTPlanKey: Int] = [:]
        var rigor: FFTPlans.Rigor = .estimate
    }

    static let cache = Mutex(State())

    /// The cached plan for `key`, made on first use.
    ///
    /// With `FFTW_ESTIMATE` the first call plans on the caller's own buffers: FFTW does not
    /// touch the arrays while estimating, only records their alignment. `FFTW_MEASURE` runs
    /// trial transforms that overwrite both arrays, so it plans on scratch buffers. Either way
    /// the arrays are 64-byte aligned (every `Storage` is), so the arrays a plan later
    /// executes on have the alignment it was planned with, as new-array execution requires
    /// (``FFTW`` checks it).
    static func plan(_ key: FFTPlanKey, input: UnsafeMutableRawPointer, output: UnsafeMutableRawPointer) -> FFTPlan {
        cache.withLock { state in
            state.tick &+= 1
            if let hit = state.plans[key] {
                state.plans[key]!.lastUse = state.tick
                return hit.plan
            }
            if state.plans.count >= capacity,
               let oldest = state.plans.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                state.plans.removeValue(forKey: oldest)
            }
            let handle: OpaquePointer
            switch state.rigor {
            case .estimate:
                handle = makePlan(key, input: input, output: output, flags: UInt32(FFTW_ESTIMATE))
            case .measure:
                let complexCount = key.batch * (key.n / 2 + 1) * 2, realCount = key.batch * key.n
                let a = Storage(dtype: key.dtype, count: key.direction == .r2c ? realCount : complexCount)
                let b = Storage(dtype: key.dtype, count: key.direction == .r2c ? complexCount : realCount)
                handle = makePlan(key, input: a.raw, output: b.raw, flags: UInt32(FFTW_MEASURE))
                withExtendedLifetime((a, b)) {}
            }
            let plan = FFTPlan(key: key, handle: handle)
            state.plans[key] = Entry(plan: plan, lastUse: state.tick)
            state.created[key, default: 0] += 1
            return plan
        }
    }

    /// How many plans have been made for `key` since the process started.
    static func creationCount(_ key: FFTPlanKey) -> Int {
        cache.withLock { $0.created[key] ?? 0 }
    }

    /// The plan currently cached for `key`, if any (for tests).
    static func cachedPlan(_ key: FFTPlanKey) -> FFTPlan? {
        cache.withLock { $0.plans[key]?.plan }
    }

    private static func makePlan(
        _ key: FFTPlanKey, input: UnsafeMutableRawPointer, output: UnsafeMutableRawPointer, flags rigorFlag: UInt32
    ) -> OpaquePointer {
        guard let n32 = Int32(exactly: key.n), let batch32 = Int32(exactly: key.batch),
              let half32 = Int32(exactly: key.n / 2 + 1) else {
            opError(key.direction == .r2c ? "rfft" : "irfft", "\(key) is too large for FFTW's 32-bit sizes")
        }
        // c2r always overwrites its input; callers hand it a scratch copy.
        let flags = key.direction == .r2c ? rigorFlag : rigorFlag | UInt32(FFTW_DESTROY_INPUT)
        // The handle crosses the lock's `sending` boundary as a bit pattern: a raw pointer is
        // not Sendable, and nothing else holds it yet.
        let made = planner.withLock { _ -> Int in
            var n = n32
            let plan: OpaquePointer? = switch (key.dtype, key.direction) {
            case (.float64, .r2c):
                fftw_plan_many_dft_r2c(
                    1, &n, batch32, input.assumingMemoryBound(to: Double.self), nil, 1, n32,
                    UnsafeMutablePointer<fftw_complex>(OpaquePointer(output)), nil, 1, half32, flags)
            case (.float64, .c2r):
                fftw_plan_many_dft_c2r(
                    1, &n, batch32, UnsafeMutablePointer<fftw_complex>(OpaquePointer(input)), nil, 1, half32,
                    output.assumingMemoryBound(to: Double.self), nil, 1, n32, flags)
            case (.float32, .r2c):
                fftwf_plan_many_dft_r2c(
                    1, &n, batch32, input.assumingMemoryBound(to: Float.self), nil, 1, n32,
                    UnsafeMutablePointer<fftwf_complex>(OpaquePointer(output)), nil, 1, half32, flags)
            case (.float32, .c2r):
                fftwf_plan_many_dft_c2r(
                    1, &n, batch32, UnsafeMutablePointer<fftwf_complex>(OpaquePointer(input)), nil, 1, half32,
                    output.assumingMemoryBound(to: Float.self), nil, 1, n32, flags)
            default: nil  // no FFT of integer dtypes; fails below naming the key
            }
            return Int(bitPattern: plan)
        }
        guard let handle = OpaquePointer(bitPattern: made) else { fatalError("LayerKit: FFTW could not plan \(key)") }
        return handle
    }
}

/// The cache of FFTW plans behind ``Tensor/rfft()`` and ``Tensor/irfft(n:)``, like PyTorch's
/// `torch.backends.cuda.cufft_plan_cache`: one plan per (length, batch, dtype, direction),
/// made on first use and reused by every later call, from any thread.
///
///     FFTPlans.rigor = .measure   // before a long run: slower planning, faster transforms
public enum FFTPlans {
    /// How hard FFTW searches for a fast algorithm when it first meets a transform.
    public enum Rigor: Sendable {
        /// `FFTW_ESTIMATE` (the default): plans in milliseconds from a cost model.
        case estimate
        /// `FFTW_MEASURE`: times candidate algorithms, taking from 0.1 s to a few seconds per
        /// new (length, batch) while holding the planner lock, for transforms measured here
        /// up to ~1.25× faster at lengths of 4096 and more. Worth it for long training runs
        /// and benchmarks with fixed shapes.
        case measure
    }

    /// The planning rigor for plans made from now on. Setting it clears the cache, so every
    /// transform is re-planned with the new rigor.
    public static var rigor: Rigor {
        get { FFTPlanCache.cache.withLock { $0.rigor } }
        set {
            FFTPlanCache.cache.withLock { state in
                state.rigor = newValue
                state.plans.removeAll()
            }
        }
    }

    /// The number of plans cached now (at most 64; the least recently used goes first).
    public static var count: Int { FFTPlanCache.cache.withLock { $0.plans.count } }

    /// Drops every cached plan; the next transforms plan again.
    public static func clear() {
        FFTPlanCache.cache.withLock { $0.plans.removeAll() }
    }
}

/// Runs cached FFTW plans over contiguous rows of `Storage` buffers.
enum FFTW {
    /// `batch` rows of `n` reals at `input` → `batch` rows of `n/2 + 1` interleaved
    /// (re, im) pairs at `output`, unnormalised. `input` is left intact.
    static func r2c(n: Int, batch: Int, dtype: DType, input: UnsafeMutableRawPointer, output: UnsafeMutableRawPointer) {
        guard batch > 0 else { return }
        let inRow = n * dtype.byteSize, outRow = (n / 2 + 1) * 2 * dtype.byteSize
        splitBatch(batch, n: n, inRow: inRow, outRow: outRow) { first, rows in
            r2cRows(n: n, batch: rows, dtype: dtype, input: input + first * inRow, output: output + first * outRow)
        }
    }

    /// Runs `body(firstRow, rowCount)` over `batch` rows, split in two halves on two threads
    /// when the transform is large and ``Parallelism/threadCount`` allows (FFTW's new-array
    /// execute is thread-safe). The split row is chosen so that both halves start 64-byte
    /// aligned, the alignment every plan is made for; without such a row it runs whole.
    private static func splitBatch(_ batch: Int, n: Int, inRow: Int, outRow: Int, _ body: (Int, Int) -> Void) {
        if Parallelism.threadCount >= 2 && batch >= 2 && batch &* n >= 32_768 {
            var h = batch / 2
            while h > batch / 4 && ((h * inRow) & 63 != 0 || (h * outRow) & 63 != 0) { h -= 1 }
            if h > batch / 4 && h > 0 {
                let split = h
                parallelChunks(2, align: 1, unitCost: Parallelism.grain) { lo, hi in
                    for part in lo..<hi {
                        if part == 0 { body(0, split) } else { body(split, batch - split) }
                    }
                }
                return
            }
        }
        body(0, batch)
    }

    /// ``r2c(n:batch:dtype:input:output:)`` on the calling thread.
    static func r2cRows(n: Int, batch: Int, dtype: DType, input: UnsafeMutableRawPointer, output: UnsafeMutableRawPointer) {
        checkAlignment(input, output)
        let plan = FFTPlanCache.plan(FFTPlanKey(n: n, batch: batch, dtype: dtype, direction: .r2c), input: input, output: output)
        withExtendedLifetime(plan) {
            switch dtype {
            case .float64:
                fftw_execute_dft_r2c(plan.handle, input.assumingMemoryBound(to: Double.self),
                                     UnsafeMutablePointer<fftw_complex>(OpaquePointer(output)))
            case .float32:
                fftwf_execute_dft_r2c(plan.handle, input.assumingMemoryBound(to: Float.self),
                                      UnsafeMutablePointer<fftwf_complex>(OpaquePointer(output)))
            default: notImplemented("fft_r2c", dtype)
            }
        }
    }

    /// `batch` rows of `n/2 + 1` (re, im) pairs at `input` → `batch` rows of `n` reals at
    /// `output`: `y_t = Σ_{k<n} Y_k e^{+2πikt/n}` with `Y_{n−k} = conj(Y_k)`, unnormalised.
    /// Overwrites `input`.
    static func c2r(n: Int, batch: Int, dtype: DType, input: UnsafeMutableRawPointer, output: UnsafeMutableRawPointer) {
        guard batch > 0 else { return }
        let inRow = (n / 2 + 1) * 2 * dtype.byteSize, outRow = n * dtype.byteSize
        splitBatch(batch, n: n, inRow: inRow, outRow: outRow) { first, rows in
            c2rRows(n: n, batch: rows, dtype: dtype, input: input + first * inRow, output: output + first * outRow)
        }
    }

    /// ``c2r(n:batch:dtype:input:output:)`` on the calling thread.
    private static func c2rRows(n: Int, batch: Int, dtype: DType, input: UnsafeMutableRawPointer, output: UnsafeMutableRawPointer) {
        checkAlignment(input, output)
        let plan = FFTPlanCache.plan(FFTPlanKey(n: n, batch: batch, dtype: dtype, direction: .c2r), input: input, output: output)
        withExtendedLifetime(plan) {
            switch dtype {
            case .float64:
                fftw_execute_dft_c2r(plan.handle, UnsafeMutablePointer<fftw_complex>(OpaquePointer(input)),
                                     output.assumingMemoryBound(to: Double.self))
            case .float32:
                fftwf_execute_dft_c2r(plan.handle, UnsafeMutablePointer<fftwf_complex>(OpaquePointer(input)),
                                      output.assumingMemoryBound(to: Float.self))
            default: notImplemented("fft_c2r", dtype)
            }
        }
    }

    /// Plans are made on 64-byte-aligned `Storage` buffers; executing one on an array FFTW
    /// sees as differently aligned would be undefined behaviour, so stop instead.
    @inline(__always)
    private static func checkAlignment(_ a: UnsafeMutableRawPointer, _ b: UnsafeMutableRawPointer) {
        precondition(Int(bitPattern: a) & 63 == 0 && Int(bitPattern: b) & 63 == 0,
                     "LayerKit FFT: buffers must be 64-byte aligned (Storage buffers are)")
    }
}
