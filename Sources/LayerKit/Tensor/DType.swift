import CBLAS
import RealModule

/// The element type of a ``Tensor``, chosen at run time.
///
/// `.float32` is the default, as in PyTorch; `.float64` is what gradient checks run in.
///
///     let x = Tensor([1, 2, 3], dtype: .float64)
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
    /// 32-bit IEEE float, PyTorch's `torch.float32`.
    case float32
    /// 64-bit IEEE float, PyTorch's `torch.float64`.
    case float64

    /// Bytes per element.
    public var byteSize: Int { self == .float32 ? 4 : 8 }

    /// The name PyTorch prints: `torch.float32`.
    public var description: String { "torch.\(rawValue)" }

    /// The wider of two dtypes: the result type of an op mixing them (PyTorch's promotion).
    public static func promoted(_ a: DType, _ b: DType) -> DType {
        a == .float64 || b == .float64 ? .float64 : .float32
    }
}

/// The Swift scalar types a ``Tensor`` can hold: `Float` and `Double`.
///
/// Kernels are written once, generic over this protocol, and specialised per dtype inside
/// the module; the per-dtype library calls (BLAS, FFTW) live in the conformances.
public protocol TensorScalar: Real, BinaryFloatingPoint, Sendable
where Self.RawSignificand: FixedWidthInteger {
    /// The runtime dtype matching this Swift type.
    static var dtype: DType { get }

    /// `C ← α·op(A)·op(B) + β·C`, row-major, through CBLAS `sgemm`/`dgemm`.
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension Float: TensorScalar {
    public static var dtype: DType { .float32 }

    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m &* n &* k >= 1 << 20 { _ = OpenBLASWarmUp.done }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }
}

extension Double: TensorScalar {
    public static var dtype: DType { .float64 }

    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }
}

/// A one-time 512×512×16 `sgemm` (about 1 ms) before the first sizeable float32 product.
///
/// Measured with Debian's OpenBLAS 0.3.21 on this machine (AMD EPYC, Zen kernels): on one
/// thread, until some product with both output sides ≥ ~384 has run in the process, every
/// `sgemm` of a Linear(784, 256) at batch 256 runs ~3× slower (8.5 ms instead of 2.8) — for
/// as long as the process lives. One such product, of any depth, clears it for good. The cause
/// is inside OpenBLAS; this warm-up makes LayerKit's speed not depend on the order in which a
/// program happens to call its products.
enum OpenBLASWarmUp {
    static let done: Bool = {
        let n = 512, k = 16
        let a = UnsafeMutablePointer<Float>.allocate(capacity: n * k)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: k * n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        a.initialize(repeating: 0, count: n * k)
        b.initialize(repeating: 0, count: k * n)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(n), blasint(n), blasint(k),
                    1, a, blasint(k), b, blasint(n), 0, c, blasint(n))
        return true
    }()
}
