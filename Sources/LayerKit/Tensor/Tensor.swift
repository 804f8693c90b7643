/// An n-dimensional array of `Float` or `Double` with reverse-mode automatic differentiation.
///
/// **Reference semantics, like `torch.Tensor`.** A `Tensor` is a class: the autograd graph
/// needs identity (a leaf's `grad` is accumulated on *that* object, a ``Parameter`` is the
/// same tensor wherever a layer uses it), and PyTorch users expect `a = b` to alias. Ops never
/// mutate their operands; they return new tensors. The only in-place operations are the
/// ones named so (`copy(from:)`, `fill`, `mutateValues`), which run without recording a
/// graph, as optimisers and initialisers need. `reshape` and `detach()` share the buffer
/// with their source, as PyTorch views do.
///
/// Storage is contiguous and row-major; the dtype is chosen at run time (`.float32` by
/// default).
///
///     let x = Tensor([1, 2, 3, 4, 5])
///     print(x - x.mean())            // tensor([-2., -1.,  0.,  1.,  2.])
public class Tensor: ExpressibleByArrayLiteral {
    /// The size of each axis, outermost first. `[]` for a scalar (0-d) tensor.
    public final internal(set) var shape: [Int]
    final var storage: Storage
    final var leafRequiresGrad = false
    final var gradFn: Node?

    /// The accumulated gradient of the last ``backward(_:retainGraph:)`` call (leaves only).
    public final var grad: Tensor?

    init(storage: Storage, shape: [Int]) {
        self.storage = storage
        self.shape = shape
    }

    /// The element type.
    public final var dtype: DType { storage.dtype }
    /// The number of elements (PyTorch's `numel()`).
    public final var count: Int { storage.count }
    /// The number of axes (PyTorch's `dim()`).
    public final var rank: Int { shape.count }
    /// True for tensors made by the user rather than by an op that recorded a graph.
    public final var isLeaf: Bool { gradFn == nil }

    /// Whether ops on this tensor record a graph for ``backward(_:retainGraph:)``.
    ///
    /// Settable on leaves only, as in PyTorch.
    public final var requiresGrad: Bool {
        get { leafRequiresGrad || gradFn != nil }
        set {
            if gradFn != nil {
                opError("requiresGrad", "you can only change requires_grad flags of leaf variables")
            }
            leafRequiresGrad = newValue
        }
    }

    /// The name of the op that made this tensor, as PyTorch prints it (`MeanBackward0`).
    public final var gradFnName: String? { gradFn?.name }

    /// The size of `axis` (negative counts from the end).
    public final func size(_ axis: Int) -> Int { shape[normalizedAxis(axis, op: "size")] }

    // MARK: Building from values

    /// A tensor from `Double` values, of the given shape (default: 1-D).
    ///
    ///     let w = Tensor([1, 2, 3, 4], shape: [2, 2], dtype: .float64)
    public convenience init(
        _ values: [Double], shape: [Int]? = nil, dtype: DType = .float32, requiresGrad: Bool = false
    ) {
        let shape = shape ?? [values.count]
        Tensor.checkCount(values.count, shape)
        let storage = Storage(dtype: dtype, count: values.count)
        switch dtype {
        case .float32:
            let p = storage.pointer(Float.self)
            for i in values.indices { p[i] = Float(values[i]) }
        case .float64:
            values.withUnsafeBufferPointer { storage.pointer(Double.self).update(from: $0.baseAddress!, count: values.count) }
        }
        self.init(storage: storage, shape: shape)
        self.requiresGrad = requiresGrad
    }

    /// A tensor from `Float` values, of the given shape (default: 1-D).
    public convenience init<S: Sequence<Float>>(
        _ values: S, shape: [Int]? = nil, dtype: DType = .float32, requiresGrad: Bool = false
    ) {
        self.init(values.map(Double.init), shape: shape, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// A 0-d tensor holding one value.
    public convenience init(scalar value: Double, dtype: DType = .float32, requiresGrad: Bool = false) {
        self.init([value], shape: [], dtype: dtype, requiresGrad: requiresGrad)
    }

    // MARK: Literals (in the class body: a non-final class needs a `required` init)

    /// A tensor from nested array literals: `let m: Tensor = [[1, 2], [3, 4]]` (float32).
    ///
    /// Scalars are deliberately not literals of `Tensor` itself: `x + 1` and `x.pow(2)` must
    /// mean the scalar overloads, never a 0-d tensor.
    public required convenience init(arrayLiteral elements: TensorLiteral...) {
        var shape: [Int]? = nil
        var values: [Double] = []
        for e in elements {
            let (s, v) = e.flattened()
            if let shape, shape != s {
                opError("tensor", "expected sequence of length \(shape.first ?? 1) at dim 1 (got \(s.first ?? 1))")
            }
            shape = s
            values += v
        }
        self.init(values, shape: [elements.count] + (shape ?? []))
    }

    static func checkCount(_ count: Int, _ shape: [Int]) {
        if shape.contains(where: { $0 < 0 }) { opError("tensor", "negative dimension in shape \(shape)") }
        let n = shape.reduce(1, *)
        if n != count { opError("tensor", "shape \(shape) is invalid for input of size \(count)") }
    }

    // MARK: Reading values back

    /// The values, row-major, as `Float`.
    public final func floats() -> [Float] {
        switch dtype {
        case .float32: return Array(storage.buffer(Float.self))
        case .float64: return storage.buffer(Double.self).map(Float.init)
        }
    }

    /// The values, row-major, as `Double`.
    public final func doubles() -> [Double] {
        switch dtype {
        case .float32: return storage.buffer(Float.self).map(Double.init)
        case .float64: return Array(storage.buffer(Double.self))
        }
    }

    /// The single value of a one-element tensor, as PyTorch's `item()`.
    public final func item() -> Double {
        if count != 1 {
            opError("item", "a Tensor with \(count) elements cannot be converted to Scalar")
        }
        return self[flat: 0]
    }

    /// The element at a row-major flat index, as `Double`.
    final subscript(flat i: Int) -> Double {
        switch dtype {
        case .float32: return Double(storage.pointer(Float.self)[i])
        case .float64: return storage.pointer(Double.self)[i]
        }
    }

    final func normalizedAxis(_ axis: Int, op: String, rank r: Int? = nil) -> Int {
        let r = r ?? rank
        let a = axis < 0 ? axis + r : axis
        if a < 0 || a >= Swift.max(r, 1) {
            opError(op, "Dimension out of range (expected to be in range of [\(-Swift.max(r, 1)), \(Swift.max(r, 1) - 1)], but got \(axis))")
        }
        return a
    }
}

/// Stops the program with a PyTorch-style message naming the op: a programmer's mistake
/// (shapes that do not fit, an axis out of range), not bad input from outside.
func opError(_ op: String, _ message: String) -> Never {
    fatalError("LayerKit.\(op): \(message)")
}

/// One element of a nested tensor literal: a number or a nested list.
public enum TensorLiteral: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral {
    /// A number.
    case scalar(Double)
    /// A nested list.
    case list([TensorLiteral])

    /// A number literal.
    public init(floatLiteral value: Double) { self = .scalar(value) }
    /// A whole-number literal.
    public init(integerLiteral value: Int) { self = .scalar(Double(value)) }
    /// A nested list literal.
    public init(arrayLiteral elements: TensorLiteral...) { self = .list(elements) }

    /// The shape and row-major values, stopping on ragged nesting as `torch.tensor` does.
    func flattened() -> ([Int], [Double]) {
        switch self {
        case .scalar(let v): return ([], [v])
        case .list(let items):
            var shape: [Int]? = nil
            var values: [Double] = []
            for item in items {
                let (s, v) = item.flattened()
                if let shape, shape != s {
                    opError("tensor", "expected sequence of length \(shape.first ?? 1) at dim 1 (got \(s.first ?? 1))")
                }
                shape = s
                values += v
            }
            return ([items.count] + (shape ?? []), values)
        }
    }
}
