import CKernels

/// The instruction sets LayerKit's C kernels (the `CKernels` target) are compiled for. Each
/// kernel is compiled for every level in every build and the level is picked at run time from
/// the CPU's features, so `swift build -c release` with no flags runs the same code as a
/// `-march=native` build, and a binary never runs an instruction its CPU lacks.
public enum SIMDLevel: Int, Comparable, CaseIterable, Sendable, CustomStringConvertible {
    /// What the compiler's default target allows: SSE2 on x86-64, NEON on arm64.
    case portable = 0
    /// AVX2 and FMA (x86-64).
    case avx2 = 1
    /// AVX-512 F, BW, DQ and VL, and FMA (x86-64).
    case avx512 = 2

    /// The highest level this CPU and its operating system support.
    public static let cpu = SIMDLevel(rawValue: Int(lk_cpu_level())) ?? .portable

    /// The level's name, as `LAYERKIT_SIMD` takes it.
    public var description: String {
        switch self {
        case .portable: return "portable"
        case .avx2: return "avx2"
        case .avx512: return "avx512"
        }
    }

    /// Levels compare by what they include.
    public static func < (a: SIMDLevel, b: SIMDLevel) -> Bool { a.rawValue < b.rawValue }

    /// The C kernels' argument.
    var code: Int32 { Int32(rawValue) }
}
