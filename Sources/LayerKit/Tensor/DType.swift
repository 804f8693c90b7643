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
