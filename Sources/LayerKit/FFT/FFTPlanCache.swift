import CFFTW
import Synchronization

/// Which real transform a plan computes.
enum FFTDirection: Hashable, Sendable {
    /// Real to half-complex (`rfft`): `n` reals in, `n/2 + 1` complex out.
    case r2c
    /// Half-complex to real (`irfft`, unnormalised): `n/2 + 1` complex in, `n` reals out.
    case c2r
    /// Complex to complex, sign −1 (`n` is the complex length): the half-length transform
    /// inside the even-length ``Tensor/rfft(bins:)``.
    case c2cForward
    /// Complex to complex, sign +1, unnormalised: the adjoint of ``c2cForward``.
    case c2cBackward
}

/// What a plan is made for: FFTW's `plan_many` bakes the length and the batch count in.
struct FFTPlanKey: Hashable, Sendable, CustomStringConvertible {
    var n: Int
    var batch: Int
    var dtype: DType
    var direction: FFTDirection
    /// Complex transforms only: the distance between output rows, in complex values (0: `n`).
    var outputDistance = 0
    /// Complex transforms only: input and output are the same array.
    var inPlace = false

    var description: String {
        "\(direction)(n: \(n), batch: \(batch), \(dtype)\(outputDistance > 0 ? ", odist: \(outputDistance)" : "")\(inPlace ? ", in place" : ""))"
    }

    /// The element counts (of the key's dtype) of the input and output arrays a plan runs on.
    var arrayCounts: (input: Int, output: Int) {
        let half = batch * (n / 2 + 1) * 2, real = batch * n
        switch direction {
        case .r2c: return (real, half)
        case .c2r: return (half, real)
        case .c2cForward, .c2cBackward:
            let input = batch * n * 2
            return (input, inPlace ? input : batch * Swift.max(outputDistance, n) * 2)
        }
    }
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
            case .int64, .int32, .uint8, .bool: break  // plans exist for float dtypes only
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
        var rigor: FFTPlans.Rigor = .fromEnvironment
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
            if state.rigor == .estimate {
                handle = makePlan(key, input: input, output: output, flags: UInt32(FFTW_ESTIMATE))
            } else {
                let flags = UInt32(state.rigor == .patient ? FFTW_PATIENT : FFTW_MEASURE)
                let counts = key.arrayCounts
                let a = Storage(dtype: key.dtype, count: counts.input)
                let b = key.inPlace ? a : Storage(dtype: key.dtype, count: counts.output)
                FFTWisdom.load(key.dtype)
                handle = makePlan(key, input: a.raw, output: b.raw, flags: flags)
                withExtendedLifetime((a, b)) {}
                FFTWisdom.save(key.dtype)
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
              let half32 = Int32(exactly: key.n / 2 + 1),
              let odist32 = Int32(exactly: key.outputDistance > 0 ? key.outputDistance : key.n) else {
            opError(key.direction == .c2r ? "irfft" : "rfft", "\(key) is too large for FFTW's 32-bit sizes")
        }
        let sign = key.direction == .c2cBackward ? FFTW_BACKWARD : FFTW_FORWARD
        // c2r always overwrites its input; callers hand it a scratch copy.
        let flags = key.direction == .r2c ? rigorFlag : rigorFlag | UInt32(FFTW_DESTROY_INPUT)
        // The handle crosses the lock's `sending` boundary as a bit pattern: a raw pointer is
        // not Sendable, and nothing else holds it yet.
        let limit = FFTPlans.planningTimeLimit
        let made = planner.withLock { _ -> Int in
            var n = n32
            switch key.dtype {
            case .float64: fftw_set_timelimit(limit)
            case .float32: fftwf_set_timelimit(limit)
            case .int64, .int32, .uint8, .bool: break  // no FFT of integer dtypes; planning below fails naming the key
            }
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
            case (.float64, .c2cForward), (.float64, .c2cBackward):
                fftw_plan_many_dft(
                    1, &n, batch32, UnsafeMutablePointer<fftw_complex>(OpaquePointer(input)), nil, 1, n32,
                    UnsafeMutablePointer<fftw_complex>(OpaquePointer(output)), nil, 1, odist32, sign, rigorFlag)
            case (.float32, .c2cForward), (.float32, .c2cBackward):
                fftwf_plan_many_dft(
                    1, &n, batch32, UnsafeMutablePointer<fftwf_complex>(OpaquePointer(input)), nil, 1, n32,
                    UnsafeMutablePointer<fftwf_complex>(OpaquePointer(output)), nil, 1, odist32, sign, rigorFlag)
            case (.int64, _), (.int32, _), (.uint8, _), (.bool, _): nil  // no FFT of integer dtypes; fails below naming the key
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
        /// new (length, batch) while holding the planner lock (at most
        /// ``FFTPlans/planningTimeLimit`` each), for transforms measured here up to ~1.25×
        /// faster at lengths of 4096 and more. The plans found are kept on disk as FFTW
        /// "wisdom" (see ``FFTPlans/wisdomPath``), so later processes on the same machine plan
        /// in microseconds. Worth it for long training runs and benchmarks with fixed shapes.
        case measure
        /// `FFTW_PATIENT`: a wider search than ``measure`` (minutes for the first large
        /// transform without a time limit; bounded by ``FFTPlans/planningTimeLimit``), kept as
        /// wisdom like ``measure``.
        case patient

        /// `LAYERKIT_FFTW_RIGOR` (`estimate`, `measure` or `patient`), else ``estimate``.
        static var fromEnvironment: Rigor {
            switch environmentString("LAYERKIT_FFTW_RIGOR")?.lowercased() {
            case "measure": .measure
            case "patient": .patient
            default: .estimate
            }
        }
    }

    /// The planning rigor for plans made from now on. Setting it clears the cache, so every
    /// transform is re-planned with the new rigor. The default is ``Rigor/estimate``, or the
    /// `LAYERKIT_FFTW_RIGOR` environment variable (`measure`, `patient`).
    public static var rigor: Rigor {
        get { FFTPlanCache.cache.withLock { $0.rigor } }
        set {
            FFTPlanCache.cache.withLock { state in
                state.rigor = newValue
                state.plans.removeAll()
            }
        }
    }

    /// The most seconds FFTW may spend planning one new transform with ``Rigor/measure`` or
    /// ``Rigor/patient`` (FFTW's `fftw_set_timelimit`): a bound on a first call's cost. The
    /// default is 2 s; negative means no limit.
    public static var planningTimeLimit: Double {
        get { timeLimit.withLock { $0 } }
        set { timeLimit.withLock { $0 = newValue } }
    }

    private static let timeLimit = Mutex<Double>(2)

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
        if Parallelism.threadCount >= 2 && batch >= 2 && batch &* n >= KernelStrategy.fftGrain {
            var h = batch / 2
            while h > batch / 4 && ((h * inRow) & 63 != 0 || (h * outRow) & 63 != 0) { h -= 1 }
            if h > batch / 4 && h > 0 {
                let split = h
                parallelTasks(2) { part in
                    if part == 0 { body(0, split) } else { body(split, batch - split) }
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
            case .int64, .int32, .uint8, .bool: notImplemented("fft_r2c", dtype)
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
            case .int64, .int32, .uint8, .bool: notImplemented("fft_c2r", dtype)
            }
        }
    }

    /// `batch` rows of `n` complex values at `input` (rows `n` apart) → `batch` rows at
    /// `output` (rows `outputDistance` apart), unnormalised, on the calling thread;
    /// `direction` is ``FFTDirection/c2cForward`` or ``FFTDirection/c2cBackward``. `input`
    /// may be `output` (then `outputDistance` must be `n`); otherwise it is left intact.
    static func c2cRows(
        n: Int, batch: Int, dtype: DType, direction: FFTDirection, outputDistance: Int,
        input: UnsafeMutableRawPointer, output: UnsafeMutableRawPointer
    ) {
        guard batch > 0 else { return }
        checkAlignment(input, output)
        let key = FFTPlanKey(n: n, batch: batch, dtype: dtype, direction: direction,
                             outputDistance: outputDistance, inPlace: input == output)
        let plan = FFTPlanCache.plan(key, input: input, output: output)
        withExtendedLifetime(plan) {
            switch dtype {
            case .float64:
                fftw_execute_dft(plan.handle, UnsafeMutablePointer<fftw_complex>(OpaquePointer(input)),
                                 UnsafeMutablePointer<fftw_complex>(OpaquePointer(output)))
            case .float32:
                fftwf_execute_dft(plan.handle, UnsafeMutablePointer<fftwf_complex>(OpaquePointer(input)),
                                  UnsafeMutablePointer<fftwf_complex>(OpaquePointer(output)))
            case .int64, .int32, .uint8, .bool: notImplemented("fft", dtype)
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
