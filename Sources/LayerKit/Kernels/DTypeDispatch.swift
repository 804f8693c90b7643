// The one place a runtime `DType` becomes a Swift type. A kernel is written once, generic over
// the scalar type, as a value conforming to `FloatKernel`; `DType.dispatch(_:_:)` runs it at
// the dtype's type, specialised per type inside the module (a plain generic function called
// across modules runs ~100× slower unspecialised). The switch is exhaustive: a new dtype makes
// the compiler point here first.

/// A kernel over the float dtypes, written once for both.
protocol FloatKernel {
    associatedtype Output
    /// Runs the kernel with `T` the Swift type of the dtype it was dispatched on.
    func run<T: KernelScalar>(_: T.Type) -> Output
}

extension DType {
    /// Runs `kernel` at this dtype's Swift type; stops with PyTorch's "not implemented" message
    /// naming `op` for a dtype that has no float kernel.
    @inline(__always)
    func dispatch<K: FloatKernel>(_ op: String, _ kernel: K) -> K.Output {
        switch self {
        case .float32: return kernel.run(Float.self)
        case .float64: return kernel.run(Double.self)
        case .int64, .int32, .uint8, .bool: notImplemented(op, self)
        }
    }
}

/// A kernel that moves elements without looking at their values (copies, permutations,
/// gathers, selections), written once over an unsigned integer type of the element's width.
protocol BitsKernel {
    /// Runs the kernel with `Bits` an unsigned integer as wide as the dtype's elements.
    func run<Bits>(_: Bits.Type)
}

extension DType {
    /// Runs `kernel` at the unsigned integer type as wide as this dtype's elements.
    @inline(__always)
    func dispatch<K: BitsKernel>(bits kernel: K) {
        switch self {
        case .float64, .int64: kernel.run(UInt64.self)
        case .float32, .int32: kernel.run(UInt32.self)
        case .uint8, .bool: kernel.run(UInt8.self)
        }
    }
}
