import RealModule

// + - * / and pow: each op's forward and its vector–Jacobian product side by side.

struct AddKernel: BinaryKernel {
    func callAsFunction<T: KernelScalar>(_ a: T, _ b: T) -> T { a + b }
    var simd: BinarySIMD? { .add }
    var integerForm: ((Int64, Int64) -> Int64)? { { $0 &+ $1 } }
}
struct SubKernel: BinaryKernel {
    func callAsFunction<T: KernelScalar>(_ a: T, _ b: T) -> T { a - b }
    var simd: BinarySIMD? { .subtract }
    var integerForm: ((Int64, Int64) -> Int64)? { { $0 &- $1 } }
}
struct MulKernel: BinaryKernel {
    func callAsFunction<T: KernelScalar>(_ a: T, _ b: T) -> T { a * b }
    var simd: BinarySIMD? { .multiply }
    var integerForm: ((Int64, Int64) -> Int64)? { { $0 &* $1 } }
}
/// True division: integer operands give float32, as PyTorch's `/`.
struct DivKernel: BinaryKernel {
    func callAsFunction<T: KernelScalar>(_ a: T, _ b: T) -> T { a / b }
    var simd: BinarySIMD? { .divide }
}
/// `aᵇ` with C's `pow` semantics: a negative base to a whole-number power is real
/// (swift-numerics' real `pow` is `exp(b·log a)`, NaN for every negative base).
struct PowKernel: BinaryKernel {
    func callAsFunction<T: KernelScalar>(_ a: T, _ b: T) -> T {
        a < 0 && b == b.rounded() && Swift.abs(b) < 0x1p30 ? .pow(a, Int(b)) : .pow(a, b)
    }
    /// Integer powers stay integer and wrap, as PyTorch's; below zero the power truncates
    /// toward zero (0, or ±1 for a base of ±1).
    var integerForm: ((Int64, Int64) -> Int64)? { { integerPower($0, $1) } }
}

/// `base^exponent` in wrapping `Int64` arithmetic, by squaring; a negative exponent gives
/// `1/base^|exponent|` truncated toward zero, as PyTorch's integer `pow`.
func integerPower(_ base: Int64, _ exponent: Int64) -> Int64 {
    if exponent < 0 { return base == 1 ? 1 : base == -1 ? (exponent & 1 == 0 ? 1 : -1) : 0 }
    var result: Int64 = 1, square = base, e = exponent
    while e > 0 {
        if e & 1 == 1 { result = result &* square }
        square = square &* square
        e >>= 1
    }
    return result
}

/// `x·scale + shift`: every scalar-operand arithmetic op is one of these. On an integer
/// tensor with whole-number `scale` and `shift` the result stays integer (`labels + 1`), as
/// PyTorch's with an `int` scalar; a fractional scalar promotes to float32.
struct AffineKernel: UnaryKernel {
    let scale: Double, shift: Double
    func callAsFunction<T: KernelScalar>(_ x: T) -> T { x * T(scale) + T(shift) }
    var simd: UnarySIMD? { .affine(scale: scale, shift: shift) }
    var integerForm: ((Int64) -> Int64)? {
        guard scale == scale.rounded(), shift == shift.rounded(), Swift.abs(scale) < 0x1p62, Swift.abs(shift) < 0x1p62
        else { return nil }
        let a = Int64(scale), b = Int64(shift)
        return { $0 &* a &+ b }
    }
}
/// `s / x`.
struct ReciprocalKernel: UnaryKernel {
    let numerator: Double
    func callAsFunction<T: KernelScalar>(_ x: T) -> T { T(numerator) / x }
}
/// `x^p` for a scalar exponent; squares and square roots skip `pow`.
struct PowScalarKernel: UnaryKernel {
    let p: Double
    func callAsFunction<T: KernelScalar>(_ x: T) -> T {
        p == 2 ? x * x : p == 1 ? x : p == 0.5 ? x.squareRoot() : PowKernel()(x, T(p))
    }
    /// A whole, non-negative exponent keeps an integer tensor integer (`labels.pow(2)`), as
    /// PyTorch's with an `int` exponent; a fractional one promotes to float32.
    var integerForm: ((Int64) -> Int64)? {
        guard p == p.rounded(), p >= 0, p < 0x1p62 else { return nil }
        let e = Int64(p)
        return { integerPower($0, e) }
    }
}

extension Tensor {
    /// The gradient `g` of a broadcast result, summed back to this tensor's shape and dtype.
    final func unbroadcast(_ g: Tensor) -> Tensor {
        var g = g
        if g.shape != shape {
            let lead = g.rank - rank
            var axes = Array(0..<lead)
            for d in 0..<rank where shape[d] == 1 && g.shape[lead + d] != 1 { axes.append(lead + d) }
            g = g.sum(axes: axes, keepDims: true).reshape(shape)
        }
        return g.dtype == dtype ? g : g.to(dtype)
    }

    /// Element-wise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = zipMap(a, b, op: "add", AddKernel())
        if needsGrad(a, b) {
            out.record("AddBackward0", a, b) { g in [a.unbroadcast(g), b.unbroadcast(g)] }
        }
        return out
    }

    /// Element-wise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = zipMap(a, b, op: "sub", SubKernel())
        if needsGrad(a, b) {
            out.record("SubBackward0", a, b) { g in
                // Reduce first, then negate: a broadcast operand's gradient is small.
                [a.requiresGrad ? a.unbroadcast(g) : nil, b.requiresGrad ? -b.unbroadcast(g) : nil]
            }
        }
        return out
    }

    /// Element-wise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = zipMap(a, b, op: "mul", MulKernel())
        if needsGrad(a, b) {
            out.record("MulBackward0", a, b) { g in
                [a.requiresGrad ? a.unbroadcast(g * b) : nil, b.requiresGrad ? b.unbroadcast(g * a) : nil]
            }
        }
        return out
    }

    /// Element-wise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = zipMap(a, b, op: "div", DivKernel())
        if needsGrad(a, b) {
            out.record("DivBackward0", a, b) { g in
                [a.requiresGrad ? a.unbroadcast(g / b) : nil,
                 b.requiresGrad ? b.unbroadcast(-g * a / (b * b)) : nil]
            }
        }
        return out
    }

    /// Negation.
    public static prefix func - (x: Tensor) -> Tensor {
        let out = x.map(AffineKernel(scale: -1, shift: 0))
        if needsGrad(x) { out.record("NegBackward0", x) { g in [-g] } }
        return out
    }

    /// `x·scale + shift` as one pass; the scalar forms of `+ - * /` all come here.
    final func affine(scale: Double, shift: Double, name: String) -> Tensor {
        let out = map(AffineKernel(scale: scale, shift: shift))
        if Tensor.needsGrad(self) {
            if scale == 1 {
                out.record(name, self) { g in [g] }  // captures nothing: no closure context to allocate
            } else {
                out.record(name, self) { g in [g.affine(scale: scale, shift: 0, name: "MulBackward0")] }
            }
        }
        return out
    }

    /// Adds a scalar to every element.
    public static func + (x: Tensor, s: Double) -> Tensor { x.affine(scale: 1, shift: s, name: "AddBackward0") }
    /// Adds a scalar to every element.
    public static func + (s: Double, x: Tensor) -> Tensor { x.affine(scale: 1, shift: s, name: "AddBackward0") }
    /// Subtracts a scalar from every element.
    public static func - (x: Tensor, s: Double) -> Tensor { x.affine(scale: 1, shift: -s, name: "SubBackward0") }
    /// A scalar minus every element.
    public static func - (s: Double, x: Tensor) -> Tensor { x.affine(scale: -1, shift: s, name: "RsubBackward1") }
    /// Multiplies every element by a scalar.
    public static func * (x: Tensor, s: Double) -> Tensor { x.affine(scale: s, shift: 0, name: "MulBackward0") }
    /// Multiplies every element by a scalar.
    public static func * (s: Double, x: Tensor) -> Tensor { x.affine(scale: s, shift: 0, name: "MulBackward0") }
    /// Divides every element by a scalar.
    public static func / (x: Tensor, s: Double) -> Tensor { x.affine(scale: 1 / s, shift: 0, name: "DivBackward0") }

    /// A scalar divided by every element.
    public static func / (s: Double, x: Tensor) -> Tensor {
        let out = x.map(ReciprocalKernel(numerator: s))
        if needsGrad(x) {
            let y = out.detach()  // saved without the node, so out → node → closure is no cycle
            out.record("DivBackward0", x) { g in [-g * y / x] }
        }
        return out
    }

    /// In-place `self += other` (broadcast into `self`), recording nothing.
    public final func addInPlace(_ other: Tensor) { zipMapInPlace(other, op: "add_", AddKernel()) }
    /// In-place `self -= other`, recording nothing.
    public final func subInPlace(_ other: Tensor) { zipMapInPlace(other, op: "sub_", SubKernel()) }
    /// In-place `self *= other`, recording nothing.
    public final func mulInPlace(_ other: Tensor) { zipMapInPlace(other, op: "mul_", MulKernel()) }

    /// Compound assignment builds a new tensor and rebinds the variable, as `x = x + y` does.
    public static func += (x: inout Tensor, y: Tensor) { x = x + y }
    /// `x = x - y`.
    public static func -= (x: inout Tensor, y: Tensor) { x = x - y }
    /// `x = x * y`.
    public static func *= (x: inout Tensor, y: Tensor) { x = x * y }
    /// `x = x / y`.
    public static func /= (x: inout Tensor, y: Tensor) { x = x / y }
    /// `x = x + s`.
    public static func += (x: inout Tensor, s: Double) { x = x + s }
    /// `x = x - s`.
    public static func -= (x: inout Tensor, s: Double) { x = x - s }
    /// `x = x * s`.
    public static func *= (x: inout Tensor, s: Double) { x = x * s }
    /// `x = x / s`.
    public static func /= (x: inout Tensor, s: Double) { x = x / s }

    /// Every element raised to a scalar power. An integer tensor to a whole, non-negative
    /// power stays integer (wrapping, as PyTorch's); to a negative whole power it stops with
    /// PyTorch's message; to a fractional power it is promoted to float32.
    ///
    ///     x.pow(2)      // squares
    public final func pow(_ p: Double) -> Tensor {
        if !dtype.isFloatingPoint && p < 0 && p == p.rounded() {
            opError("pow", "Integers to negative integer powers are not allowed.")
        }
        let out = map(PowScalarKernel(p: p))
        if Tensor.needsGrad(self) {
            out.record("PowBackward0", self) { [self] g in
                [p == 0 ? g * 0 : g * (self.pow(p - 1) * p)]
            }
        }
        return out
    }

    /// Element-wise power with a broadcast tensor exponent.
    public final func pow(_ exponent: Tensor) -> Tensor {
        let out = Tensor.zipMap(self, exponent, op: "pow", PowKernel())
        if Tensor.needsGrad(self, exponent) {
            let y = out.detach()
            out.record("PowBackward1", self, exponent) { [self] g in
                [self.requiresGrad ? self.unbroadcast(g * exponent * self.pow(exponent - 1)) : nil,
                 exponent.requiresGrad ? exponent.unbroadcast(g * y * self.log()) : nil]
            }
        }
        return out
    }
}
