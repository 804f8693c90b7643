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
/// Kernels are written once, generic over the scalar type, and specialised per dtype inside
/// the module (`Sources/LayerKit/Kernels/DTypeDispatch.swift`).
public protocol TensorScalar: Real, BinaryFloatingPoint, Sendable
where Self.RawSignificand: FixedWidthInteger {
    /// The runtime dtype matching this Swift type.
    static var dtype: DType { get }
}

extension Float: TensorScalar {
    /// `.float32`.
    public static var dtype: DType { .float32 }
}

extension Double: TensorScalar {
    /// `.float64`.
    public static var dtype: DType { .float64 }
}
