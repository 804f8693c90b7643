import Synchronization

/// A seeded pseudo-random generator (xoshiro256**), PyTorch's `torch.Generator`.
///
/// A class so that one generator can be handed to several calls and advance across them.
///
///     let g = Generator(seed: 42)
///     let a = Tensor.rand([2, 3], generator: g)
public final class Generator: RandomNumberGenerator {
    var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose stream is fixed by `seed`.
    public init(seed: UInt64) { state = Generator.expand(seed) }

    /// Restarts the stream from `seed`.
    public func manualSeed(_ seed: UInt64) { state = Generator.expand(seed) }

    /// The next 64 random bits.
    public func next() -> UInt64 { Generator.step(&state) }

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

/// The process-wide default stream, used when no generator is passed.
let defaultRandomState = Mutex(Generator.expand(0x5EED))

/// Seeds the default generator so that runs repeat exactly (PyTorch's `torch.manual_seed`).
///
///     manualSeed(0)
///     let x = Tensor.randn([4, 8])
public func manualSeed(_ seed: UInt64) {
    defaultRandomState.withLock { $0 = Generator.expand(seed) }
}

/// `n` raw 64-bit draws from `generator`, or from the default stream under its lock.
func randomBits(_ n: Int, _ generator: Generator?) -> [UInt64] {
    if let generator { return (0..<n).map { _ in generator.next() } }
    return defaultRandomState.withLock { state in (0..<n).map { _ in Generator.step(&state) } }
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
