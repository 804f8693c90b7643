import RealModule

// Element-wise functions, comparisons and selection, each with its backward beside it.

struct ExpKernel: UnaryKernel { func callAsFunction<T: KernelScalar>(_ x: T) -> T { .exp(x) } }
struct LogKernel: UnaryKernel { func callAsFunction<T: KernelScalar>(_ x: T) -> T { .log(x) } }
struct SqrtKernel: UnaryKernel { func callAsFunction<T: KernelScalar>(_ x: T) -> T { x.squareRoot() } }
struct AbsKernel: UnaryKernel {
    func callAsFunction<T: KernelScalar>(_ x: T) -> T { Swift.abs(x) }
    var integerForm: ((Int64) -> Int64)? { { $0 < 0 ? 0 &- $0 : $0 } }
}
struct SignKernel: UnaryKernel {
    func callAsFunction<T: KernelScalar>(_ x: T) -> T { x > 0 ? 1 : x < 0 ? -1 : 0 }
    var integerForm: ((Int64) -> Int64)? { { $0.signum() } }
}
struct ReluKernel: UnaryKernel {
    func callAsFunction<T: KernelScalar>(_ x: T) -> T { x > 0 ? x : 0 }
    var simd: UnarySIMD? { .relu }
    var integerForm: ((Int64) -> Int64)? { { Swift.max($0, 0) } }
}
/// `g` where `y > 0`, else 0: ReLU's backward in one pass.
struct ReluGradKernel: BinaryKernel {
    func callAsFunction<T: KernelScalar>(_ g: T, _ y: T) -> T { y > 0 ? g : 0 }
    var simd: BinarySIMD? { .reluGradient }
}
struct TanhKernel: UnaryKernel { func callAsFunction<T: KernelScalar>(_ x: T) -> T { .tanh(x) } }
struct SigmoidKernel: UnaryKernel {
    func callAsFunction<T: KernelScalar>(_ x: T) -> T {
        // Split by sign so that exp never overflows.
        x >= 0 ? 1 / (1 + .exp(-x)) : .exp(x) / (1 + .exp(x))
    }
}
struct ClampKernel: UnaryKernel {
    let low: Double, high: Double
    func callAsFunction<T: KernelScalar>(_ x: T) -> T { Swift.min(Swift.max(x, T(low)), T(high)) }
    /// Whole (or infinite) bounds keep an integer tensor integer, as PyTorch's `clamp` with
    /// `int` bounds; a fractional bound promotes to float32.
    var integerForm: ((Int64) -> Int64)? {
        func bound(_ v: Double) -> Int64? {
            v.isInfinite ? (v < 0 ? .min : .max) : v == v.rounded() && Swift.abs(v) < 0x1p62 ? Int64(v) : nil
        }
        guard let lo = bound(low), let hi = bound(high) else { return nil }
        return { Swift.min(Swift.max($0, lo), hi) }
    }
}
/// 1 where `low ≤ x ≤ high` (the clamp's pass-through region), else 0.
struct InsideKernel: UnaryKernel {
    let low: Double, high: Double
    func callAsFunction<T: KernelScalar>(_ x: T) -> T { x >= T(low) && x <= T(high) ? 1 : 0 }
}
struct MaximumKernel: BinaryKernel {
    func callAsFunction<T: KernelScalar>(_ a: T, _ b: T) -> T { Swift.max(a, b) }
    var integerForm: ((Int64, Int64) -> Int64)? { { Swift.max($0, $1) } }
}
struct MinimumKernel: BinaryKernel {
    func callAsFunction<T: KernelScalar>(_ a: T, _ b: T) -> T { Swift.min(a, b) }
    var integerForm: ((Int64, Int64) -> Int64)? { { Swift.min($0, $1) } }
}

/// A comparison producing a 0/1 mask (in the operands' promoted dtype; ``Tensor/compare(_:_:_:op:)``
/// turns it into `.bool`).
struct CompareKernel: BinaryKernel {
    enum Relation { case lt, le, gt, ge, eq, ne }
    let relation: Relation
    @inline(__always)
    func holds<T: Comparable>(_ a: T, _ b: T) -> Bool {
        switch relation {
        case .lt: return a < b
        case .le: return a <= b
        case .gt: return a > b
        case .ge: return a >= b
        case .eq: return a == b
        case .ne: return a != b
        }
    }
    func callAsFunction<T: KernelScalar>(_ a: T, _ b: T) -> T { holds(a, b) ? 1 : 0 }
    var integerForm: ((Int64, Int64) -> Int64)? { { holds($0, $1) ? 1 : 0 } }
}

extension Tensor {
    /// Records a one-input op whose gradient is `g · dydx`, with `dydx` built only when needed.
    private final func unary<K: UnaryKernel>(_ k: K, _ name: String, _ dydx: @escaping (Tensor, Tensor) -> Tensor) -> Tensor {
        let out = map(k)
        if Tensor.needsGrad(self) {
            let y = out.detach()
            out.record(name, self) { [self] g in [g * dydx(self, y)] }
        }
        return out
    }

    /// `eˣ`.
    public final func exp() -> Tensor { unary(ExpKernel(), "ExpBackward0") { _, y in y } }
    /// Natural logarithm.
    public final func log() -> Tensor { unary(LogKernel(), "LogBackward0") { x, _ in 1 / x } }
    /// Square root.
    public final func sqrt() -> Tensor { unary(SqrtKernel(), "SqrtBackward0") { _, y in 0.5 / y } }
    /// Absolute value (gradient 0 at 0, as PyTorch).
    public final func abs() -> Tensor { unary(AbsKernel(), "AbsBackward0") { x, _ in x.map(SignKernel()) } }
    /// `max(x, 0)` (gradient 0 at 0, as PyTorch).
    public final func relu() -> Tensor {
        let out = map(ReluKernel())
        if Tensor.needsGrad(self) {
            let y = out.detach()
            // One fused pass, g where y > 0, instead of building the 0/1 mask and multiplying.
            out.record("ReluBackward0", self) { g in [Tensor.zipMap(g, y, op: "relu_backward", ReluGradKernel())] }
        }
        return out
    }
    /// `1 / (1 + e⁻ˣ)`.
    public final func sigmoid() -> Tensor { unary(SigmoidKernel(), "SigmoidBackward0") { _, y in y * (1 - y) } }
    /// Hyperbolic tangent.
    public final func tanh() -> Tensor { unary(TanhKernel(), "TanhBackward0") { _, y in 1 - y * y } }
    /// The sign of each element: -1, 0 or 1 (no gradient flows).
    public final func sign() -> Tensor { map(SignKernel()) }

    /// Each element limited to `[min, max]`; the gradient passes where the input was inside.
    /// An integer tensor with whole bounds stays integer, as PyTorch's.
    ///
    ///     Tensor([-3, 5] as [Int]).clamp(min: 0, max: 3)    // tensor([0, 3])
    public final func clamp(min low: Double = -.infinity, max high: Double = .infinity) -> Tensor {
        unary(ClampKernel(low: low, high: high), "ClampBackward1") { x, _ in x.map(InsideKernel(low: low, high: high)) }
    }

    /// Element-wise maximum of two broadcast tensors (ties split the gradient, as PyTorch).
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        selectBetween(a, b, MaximumKernel(), "maximum", "MaximumBackward0", winner: .gt)
    }

    /// Element-wise minimum of two broadcast tensors (ties split the gradient, as PyTorch).
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        selectBetween(a, b, MinimumKernel(), "minimum", "MinimumBackward0", winner: .lt)
    }

    private static func selectBetween<K: BinaryKernel>(
        _ a: Tensor, _ b: Tensor, _ k: K, _ op: String, _ name: String, winner: CompareKernel.Relation
    ) -> Tensor {
        let out = zipMap(a, b, op: op, k)
        if needsGrad(a, b) {
            out.record(name, a, b) { g in
                let aWins = zipMap(a, b, op: op, CompareKernel(relation: winner))
                let tie = zipMap(a, b, op: op, CompareKernel(relation: .eq)) * 0.5
                let wa = aWins + tie
                return [a.unbroadcast(g * wa), b.unbroadcast(g * (1 - wa))]
            }
        }
        return out
    }

    /// `where(condition, a, b)`: `a` where the mask is true, else `b`; all three broadcast.
    /// The condition is a `.bool` mask (a comparison's result); any other dtype is read as
    /// "non-zero". The result has `a` and `b`'s promoted dtype.
    ///
    ///     Tensor.where(x .> 0, x, x * 0.1)    // a leaky ReLU
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let mask = condition.dtype == .bool ? condition : condition.to(.bool)
        let shape = broadcastShapes(broadcastShapes(mask.shape, a.shape, op: "where"), b.shape, op: "where")
        let dtype = DType.promoted(a.dtype, b.dtype)
        let m = mask.expand(shape)
        let av = a.to(dtype).expand(shape), bv = b.to(dtype).expand(shape)
        // a·m + b·(1-m) would turn inf·0 into nan, so select per element instead.
        let out = Storage(dtype: dtype, count: m.count)
        selectLoop(m.storage, av.storage, bv.storage, out)
        let result = Tensor(storage: out, shape: shape)
        if needsGrad(a, b) {
            result.record("WhereBackward0", a, b) { g in
                let zero = Tensor.zeros([], dtype: g.dtype)
                return [a.requiresGrad ? a.unbroadcast(Tensor.where(m, g, zero)) : nil,
                        b.requiresGrad ? b.unbroadcast(Tensor.where(m, zero, g)) : nil]
            }
        }
        return result
    }

    /// A comparison as a `.bool` mask of the broadcast shape (never requires grad).
    static func compare(_ a: Tensor, _ b: Tensor, _ relation: CompareKernel.Relation, op: String) -> Tensor {
        let r = zipMap(a, b, op: op, CompareKernel(relation: relation))
        return Tensor(storage: r.storage.copy(as: .bool), shape: r.shape)
    }

    /// True where `a < b` (a `.bool` mask of the broadcast shape; never requires grad).
    public static func .< (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .lt, op: "lt") }
    /// True where `a ≤ b`.
    public static func .<= (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .le, op: "le") }
    /// True where `a > b`.
    public static func .> (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .gt, op: "gt") }
    /// True where `a ≥ b`.
    public static func .>= (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .ge, op: "ge") }
    /// True where `a == b`.
    public static func .== (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .eq, op: "eq") }
    /// True where `a != b`.
    public static func .!= (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .ne, op: "ne") }
    /// True where `a < s`.
    public static func .< (a: Tensor, s: Double) -> Tensor { a .< scalarLike(a, s) }
    /// True where `a ≤ s`.
    public static func .<= (a: Tensor, s: Double) -> Tensor { a .<= scalarLike(a, s) }
    /// True where `a > s`.
    public static func .> (a: Tensor, s: Double) -> Tensor { a .> scalarLike(a, s) }
    /// True where `a ≥ s`.
    public static func .>= (a: Tensor, s: Double) -> Tensor { a .>= scalarLike(a, s) }
    /// True where `a == s`.
    public static func .== (a: Tensor, s: Double) -> Tensor { a .== scalarLike(a, s) }
    /// True where `a != s`.
    public static func .!= (a: Tensor, s: Double) -> Tensor { a .!= scalarLike(a, s) }

    /// A 0-d tensor of `s` to compare `a` with: in `a`'s dtype, or float64 when `s` is not a
    /// whole number and `a` is an integer tensor (so `labels .< 2.5` compares exactly).
    private static func scalarLike(_ a: Tensor, _ s: Double) -> Tensor {
        let exact = a.dtype.isFloatingPoint || s == s.rounded()
        return Tensor(scalar: s, dtype: exact ? (a.dtype == .bool ? .int64 : a.dtype) : .float64)
    }
}
