/// An n-dimensional array of floats, integers or booleans with reverse-mode automatic
/// differentiation (of the floating-point ones).
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
/// default; `.int64` from `[Int]`, `.bool` from `[Bool]` and comparisons).
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
    /// Settable on leaves only, and only on floating-point tensors, as in PyTorch.
    public final var requiresGrad: Bool {
        get { leafRequiresGrad || gradFn != nil }
        set {
            if gradFn != nil {
                opError("requiresGrad", "you can only change requires_grad flags of leaf variables")
            }
            if newValue && !dtype.isFloatingPoint {
                opError("requiresGrad", "only Tensors of floating point dtype can require gradients (got \(dtype))")
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
        self.init(storage: Storage(values, dtype: dtype), shape: shape)
        self.requiresGrad = requiresGrad
    }

    /// A tensor from `Int` values, `.int64` unless another dtype is given (PyTorch's
    /// `torch.tensor([3, 7])`). An array *literal* still means float32 (`Tensor(_:shape:dtype:requiresGrad:)` from `[Double]`);
    /// spell `[3, 7] as [Int]` or pass an `[Int]` variable for an int64 tensor.
    ///
    ///     let labels = Tensor([3, 7] as [Int])     // tensor([3, 7])
    @_disfavoredOverload
    public convenience init(_ values: [Int], shape: [Int]? = nil, dtype: DType = .int64) {
        let shape = shape ?? [values.count]
        Tensor.checkCount(values.count, shape)
        let storage = Storage(dtype: dtype, count: values.count)
        for i in values.indices { storage.set(i, int64: Int64(values[i])) }
        self.init(storage: storage, shape: shape)
    }

    /// A tensor from `Bool` values, `.bool` unless another dtype is given.
    ///
    ///     let mask = Tensor([true, false])         // tensor([ True, False])
    @_disfavoredOverload
    public convenience init(_ values: [Bool], shape: [Int]? = nil, dtype: DType = .bool) {
        self.init(values.map { $0 ? 1 : 0 } as [Int], shape: shape, dtype: dtype)
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

    /// A tensor from nested array literals: `let m: Tensor = [[1, 2], [3, 4]]` (float32), or
    /// `let mask: Tensor = [true, false]` (bool).
    ///
    /// Scalars are deliberately not literals of `Tensor` itself: `x + 1` and `x.pow(2)` must
    /// mean the scalar overloads, never a 0-d tensor.
    public required convenience init(arrayLiteral elements: TensorLiteral...) {
        let (shape, values, allBool) = TensorLiteral.list(elements).flattened()
        self.init(values, shape: shape, dtype: allBool && !values.isEmpty ? .bool : .float32)
    }

    static func checkCount(_ count: Int, _ shape: [Int]) {
        if shape.contains(where: { $0 < 0 }) { opError("tensor", "negative dimension in shape \(shape)") }
        let n = shape.reduce(1, *)
        if n != count { opError("tensor", "shape \(shape) is invalid for input of size \(count)") }
    }

    // MARK: Reading values back

    /// The values, row-major, as `Float`.
    public final func floats() -> [Float] { storage.floats() }

    /// The values, row-major, as `Double`.
    public final func doubles() -> [Double] { storage.doubles() }

    /// The values, row-major, as `Int` (floats truncate toward zero, as `.to(.int64)`).
    ///
    ///     Tensor([3, 7] as [Int]).ints()    // [3, 7]
    public final func ints() -> [Int] { (0..<count).map { Int(storage.int64(at: $0)) } }

    /// The values, row-major, as `Bool` (non-zero is true, as `.to(.bool)`).
    public final func bools() -> [Bool] { (0..<count).map(storage.isNonZero(at:)) }

    /// The single value of a one-element tensor, as PyTorch's `item()` (integers and
    /// booleans as a `Double`; ``intItem()`` and ``boolItem()`` read them exactly).
    public final func item() -> Double {
        checkOneElement("item")
        return self[flat: 0]
    }

    /// The single value of a one-element tensor as an `Int` (PyTorch's `item()` of an
    /// integer tensor).
    public final func intItem() -> Int {
        checkOneElement("item")
        return Int(storage.int64(at: 0))
    }

    /// The single value of a one-element tensor as a `Bool`.
    public final func boolItem() -> Bool {
        checkOneElement("item")
        return storage.isNonZero(at: 0)
    }

    private final func checkOneElement(_ op: String) {
        if count != 1 {
            opError(op, "a Tensor with \(count) elements cannot be converted to Scalar")
        }
    }

    /// The element at a row-major flat index, as `Double`; setting writes in place, converted
    /// to the dtype, recording nothing (as gradCheck's perturbations need).
    final subscript(flat i: Int) -> Double {
        get { storage.double(at: i) }
        set { storage.set(i, double: newValue) }
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

/// One element of a nested tensor literal: a number, a boolean or a nested list.
public enum TensorLiteral: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral {
    /// A number.
    case scalar(Double)
    /// A boolean (a literal of only booleans makes a `.bool` tensor).
    case boolean(Bool)
    /// A nested list.
    case list([TensorLiteral])

    /// A number literal.
    public init(floatLiteral value: Double) { self = .scalar(value) }
    /// A whole-number literal.
    public init(integerLiteral value: Int) { self = .scalar(Double(value)) }
    /// A boolean literal.
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    /// A nested list literal.
    public init(arrayLiteral elements: TensorLiteral...) { self = .list(elements) }

    /// The shape, the row-major values and whether every value was a boolean, stopping on
    /// ragged nesting with `torch.tensor`'s message (naming the dimension that differs).
    func flattened(depth: Int = 0) -> (shape: [Int], values: [Double], allBool: Bool) {
        switch self {
        case .scalar(let v): return ([], [v], false)
        case .boolean(let b): return ([], [b ? 1 : 0], true)
        case .list(let items):
            var shape: [Int]? = nil
            var values: [Double] = []
            var allBool = true
            for item in items {
                let (s, v, b) = item.flattened(depth: depth + 1)
                if let shape, shape != s {
                    // The first axis where the siblings differ, counted from the outermost.
                    let common = Swift.min(shape.count, s.count)
                    let axis = (0..<common).first(where: { shape[$0] != s[$0] }) ?? common
                    let expected = axis < shape.count ? "of length \(shape[axis])" : "a number"
                    let got = axis < s.count ? "\(s[axis])" : "a number"
                    opError("tensor", "expected sequence \(expected) at dim \(depth + 1 + axis) (got \(got))")
                }
                shape = s
                values += v
                allBool = allBool && b
            }
            return ([items.count] + (shape ?? []), values, allBool)
        }
    }
}
