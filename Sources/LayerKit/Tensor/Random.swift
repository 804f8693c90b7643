import Synchronization

/// A seeded pseudo-random generator (xoshiro256**), PyTorch's `torch.Generator`.
///
/// A class so that one generator can be handed to several calls and advance across them.
/// Its state sits behind a lock, so a generator shared between tasks never tears; the order
/// in which concurrent callers draw is still theirs to fix (give each task its own generator,
/// or its own ``withGenerator(_:_:)`` scope).
///
///     let g = Generator(seed: 42)
///     let a = Tensor.rand([2, 3], generator: g)
public final class Generator: RandomNumberGenerator, Sendable {
    let state: Mutex<(UInt64, UInt64, UInt64, UInt64)>

    /// A generator whose stream is fixed by `seed`.
    public init(seed: UInt64) { state = Mutex(Generator.expand(seed)) }

    /// Restarts the stream from `seed`.
    public func manualSeed(_ seed: UInt64) { state.withLock { $0 = Generator.expand(seed) } }

    /// The next 64 random bits.
    public func next() -> UInt64 { state.withLock { Generator.step(&$0) } }

    /// `n` draws under one lock, so that no other caller's draw lands between them.
    func draws(_ n: Int) -> [UInt64] {
        state.withLock { s in (0..<n).map { _ in Generator.step(&s) } }
    }

    /// SplitMix64 spreads one seed over the 256-bit state (xoshiro's recommended seeding).
    static func expand(_ seed: UInt64) -> (UInt64, UInt64, UInt64, UInt64) {
        var z = seed
        func mix() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            return x ^ (x >> 31)
        }
        return (mix(), mix(), mix(), mix())
    }

    static func step(_ s: inout (UInt64, UInt64, UInt64, UInt64)) -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }
}

/// The process-wide default stream, used when no generator is passed and no scope is open.
let defaultGenerator = Generator(seed: 0x5EED)

/// The generator of the innermost ``withGenerator(_:_:)`` scope of the current task.
enum RandomScope {
    @TaskLocal static var generator: Generator?
}

/// Seeds the process-wide default generator so that runs repeat exactly (PyTorch's
/// `torch.manual_seed`).
///
/// Every task shares that stream, so draws from concurrent tasks interleave; code that runs
/// beside other code (tests, a grader) should draw inside ``withSeed(_:_:)`` instead.
///
///     manualSeed(0)
///     let x = Tensor.randn([4, 8])
public func manualSeed(_ seed: UInt64) {
    defaultGenerator.manualSeed(seed)
}

/// Runs `body` with `generator` as the default for every draw made without an explicit
/// generator in this task and the tasks it creates: `rand`, `randn`, initialisers, `Dropout`,
/// layers' default initialisation.
///
///     let w = withGenerator(Generator(seed: 42)) { Tensor.randn([3, 3]) }
public func withGenerator<R>(_ generator: Generator, _ body: () throws -> R) rethrows -> R {
    try RandomScope.$generator.withValue(generator, operation: body)
}

/// The `async` form of ``withGenerator(_:_:)``.
public func withGenerator<R>(
    _ generator: Generator, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> R
) async rethrows -> R {
    try await RandomScope.$generator.withValue(generator, operation: body, isolation: isolation)
}

/// Runs `body` drawing from a fresh stream seeded with `seed`, untouched by any other task:
/// `withSeed(42) { … }` draws the same numbers however many tasks run beside it.
///
///     let a = withSeed(42) { Tensor.randn([1000]) }
///     let b = withSeed(42) { Tensor.randn([1000]) }   // a == b, always
public func withSeed<R>(_ seed: UInt64, _ body: () throws -> R) rethrows -> R {
    try withGenerator(Generator(seed: seed), body)
}

/// The `async` form of ``withSeed(_:_:)``.
public func withSeed<R>(
    _ seed: UInt64, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> R
) async rethrows -> R {
    try await withGenerator(Generator(seed: seed), isolation: isolation, body)
}

/// `n` raw 64-bit draws from `generator`, else the current scope's, else the default stream.
func randomBits(_ n: Int, _ generator: Generator?) -> [UInt64] {
    (generator ?? RandomScope.generator ?? defaultGenerator).draws(n)
}

extension Tensor {
    /// Uniform samples in `[0, 1)`.
    public static func rand(_ shape: [Int], dtype: DType = .float32, generator: Generator? = nil) -> Tensor {
        uniform(shape, low: 0, high: 1, dtype: dtype, generator: generator)
    }

    /// Uniform samples in `[low, high)`.
    public static func uniform(
        _ shape: [Int], low: Double, high: Double, dtype: DType = .float32, generator: Generator? = nil
    ) -> Tensor {
        let n = shape.reduce(1, *)
        let values = randomBits(n, generator).map { bits -> Double in
            // 53 random bits give every double in [0, 1); float32 keeps 24 of them.
            let u = Double(bits >> 11) * 0x1p-53
            return low + (high - low) * (dtype == .float32 ? Double(Float(bitPattern: 0x3F80_0000 | UInt32(bits >> 41)) - 1) : u)
        }
        return Tensor(values, shape: shape, dtype: dtype)
    }

    /// Standard normal samples (Box–Muller).
    public static func randn(_ shape: [Int], dtype: DType = .float32, generator: Generator? = nil) -> Tensor {
        normal(shape, mean: 0, std: 1, dtype: dtype, generator: generator)
    }

    /// Normal samples with the given mean and standard deviation.
    public static func normal(
        _ shape: [Int], mean: Double, std: Double, dtype: DType = .float32, generator: Generator? = nil
    ) -> Tensor {
        let n = shape.reduce(1, *)
        let bits = randomBits(n + n % 2, generator)
        var values = [Double](repeating: 0, count: n + n % 2)
        for i in stride(from: 0, to: values.count, by: 2) {
            let u1 = (Double(bits[i] >> 11) + 1) * 0x1p-53  // (0, 1]: log never sees 0
            let u2 = Double(bits[i + 1] >> 11) * 0x1p-53
            let r = (-2 * _log(u1)).squareRoot()
            values[i] = mean + std * r * _cos(2 * .pi * u2)
            values[i + 1] = mean + std * r * _sin(2 * .pi * u2)
        }
        return Tensor(Array(values.prefix(n)), shape: shape, dtype: dtype)
    }
}
