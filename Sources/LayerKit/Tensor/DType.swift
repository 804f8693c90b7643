import CBLAS
import RealModule

/// The element type of a ``Tensor``, chosen at run time.
///
/// `.float32` is the default, as in PyTorch; `.float64` is what gradient checks run in.
/// `.int64` holds indices and class labels, `.bool` masks (comparisons return it);
/// `.int32` and `.uint8` exist for files that hold them. Only floating-point tensors can
/// require gradients.
///
///     let x = Tensor([1, 2, 3], dtype: .float64)
///     let labels = Tensor([3, 7] as [Int])      // int64
///     let mask = x .> 1.5                       // bool
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
    /// 32-bit IEEE float, PyTorch's `torch.float32`.
    case float32
    /// 64-bit IEEE float, PyTorch's `torch.float64`.
    case float64
    /// 64-bit signed integer, PyTorch's `torch.int64` (`long`): indices and class labels.
    case int64
    /// 32-bit signed integer, PyTorch's `torch.int32`.
    case int32
    /// 8-bit unsigned integer, PyTorch's `torch.uint8`.
    case uint8
    /// Boolean, one byte per element (0 or 1), PyTorch's `torch.bool`: masks.
    case bool

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        case .uint8, .bool: return 1
        }
    }

    /// True for `.float32` and `.float64`, the dtypes that can require gradients.
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

    /// The name PyTorch prints: `torch.float32`.
    public var description: String { "torch.\(rawValue)" }

    /// Whether PyTorch prints a tensor of this dtype without `dtype=` (the default float,
    /// int64 and bool).
    var printsWithoutName: Bool { self == .float32 || self == .int64 || self == .bool }

    /// PyTorch's C++ scalar-type name, used in its error messages ("not implemented for 'Long'").
    var scalarTypeName: String {
        switch self {
        case .float32: return "Float"
        case .float64: return "Double"
        case .int64: return "Long"
        case .int32: return "Int"
        case .uint8: return "Byte"
        case .bool: return "Bool"
        }
    }

    /// Position in PyTorch's promotion lattice for the dtypes LayerKit has:
    /// bool < uint8 < int32 < int64 < float32 < float64.
    private var promotionRank: Int {
        switch self {
        case .bool: return 0
        case .uint8: return 1
        case .int32: return 2
        case .int64: return 3
        case .float32: return 4
        case .float64: return 5
        }
    }

    /// The result type of an op mixing two dtypes, PyTorch's `torch.promote_types`:
    /// integers widen, any float wins over any integer, float64 over float32.
    ///
    ///     DType.promoted(.int64, .float32)   // .float32
    public static func promoted(_ a: DType, _ b: DType) -> DType {
        a.promotionRank >= b.promotionRank ? a : b
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

/// `C[i] ← op(A[i])·op(B[i]) + β·C[i]` for `batch` row-major matrices through CBLAS
/// `sgemm`/`dgemm` (strides in elements between the batch's matrices; 0 reuses one operand).
/// All four storages share a float dtype; `k > 0`.
func gemmKernel(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, batch: Int,
    a: Storage, strideA: Int, lda: Int, b: Storage, strideB: Int, ldb: Int,
    beta: Double, c: Storage, ldc: Int
) {
    func run<T: TensorScalar>(_: T.Type) {
        let pa = a.readPointer(T.self), pb = b.readPointer(T.self), pc = c.pointer(T.self)
        if T.self == Float.self, batch == 1, !transA, transB, SkinnyProduct.use(n: n, k: k, lda: lda, ldb: ldb) {
            let wT = SkinnyProduct.transposed(b, n: n, k: k)
            let af = UnsafeRawPointer(pa).assumingMemoryBound(to: Float.self)
            let cf = UnsafeMutableRawPointer(pc).assumingMemoryBound(to: Float.self)
            let wf = wT.readPointer(Float.self)
            parallelChunks(m, align: 8, unitCost: k) { lo, hi in
                skinnyProductRows(af, k: k, wf, n: n, cf, ldc: ldc, beta: Float(beta), rows: lo, hi)
            }
            withExtendedLifetime(wT) {}
            return
        }
        if let rows = SmallProductSplit.rowsPerBlock(transA: transA, transB: transB, m: m, n: n, k: k, batch: batch) {
            // Blocks of C's rows, each below OpenBLAS's threading threshold, so each runs on
            // the thread that calls it.
            parallelChunks((m + rows - 1) / rows, align: 1, unitCost: 1, grain: 1) { lo, hi in
                for block in lo..<hi {
                    let start = block * rows
                    T.gemm(transA: false, transB: true, m: Swift.min(rows, m - start), n: n, k: k, alpha: 1,
                           a: pa + start * lda, lda: lda, b: pb, ldb: ldb,
                           beta: T(beta), c: pc + start * ldc, ldc: ldc)
                }
            }
            return
        }
        for i in 0..<batch {
            T.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1,
                   a: pa + i * strideA, lda: lda, b: pb + i * strideB, ldb: ldb,
                   beta: T(beta), c: pc + i * m * n, ldc: ldc)
        }
    }
    switch c.dtype {
    case .float32: run(Float.self)
    case .float64: run(Double.self)
    default: notImplemented("matmul", c.dtype)
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
