/// What ``gradCheck(_:eps:atol:rtol:raiseException:_:)`` found: pass or fail, and the element
/// where analytic and numerical gradients disagree most.
public struct GradCheckReport: CustomStringConvertible, Sendable {
    /// The element with the largest `|analytic − numerical| / (atol + rtol·|numerical|)`.
    public struct Element: Sendable, CustomStringConvertible {
        /// Which input tensor (position in the inputs array).
        public var input: Int
        /// Flat index into that input.
        public var inputIndex: Int
        /// Flat index into the output.
        public var outputIndex: Int
        /// `∂output/∂input` from backward.
        public var analytic: Double
        /// The same from central differences.
        public var numerical: Double
        /// `|analytic − numerical|`.
        public var error: Double { Swift.abs(analytic - numerical) }

        public var description: String {
            "input \(input) element \(inputIndex), output element \(outputIndex): analytic \(analytic), numerical \(numerical)"
        }
    }

    /// True when every Jacobian entry is within tolerance and the extra checks pass.
    public var passed: Bool { jacobianPassed && zeroGradOutputPassed && repeatBackwardPassed }
    /// Every `|a − n| ≤ atol + rtol·|n|`.
    public var jacobianPassed: Bool
    /// A zero output gradient gave zero input gradients.
    public var zeroGradOutputPassed: Bool
    /// Two backward passes with the same seed gave the same gradients.
    public var repeatBackwardPassed: Bool
    /// The worst Jacobian entry (nil when the function has no inputs or outputs).
    public var worst: Element?
    /// The largest absolute difference over the whole Jacobian.
    public var maxAbsError: Double
    /// Indices of inputs that came in as float32 and were checked as float64 copies.
    public var convertedInputs: [Int]
    /// The tolerances used.
    public var eps: Double, atol: Double, rtol: Double

    /// The report comparing an analytic Jacobian with a numerical one, both indexed
    /// `[input][input element][output element]`: every entry must satisfy
    /// `|a − n| ≤ atol + rtol·|n|` (PyTorch's `gradcheck` rule). For a checker that computes
    /// the two Jacobians elsewhere (the grader asks a child process for them).
    public init(analytic: [[[Double]]], numerical: [[[Double]]], zeroGradOutputPassed: Bool, repeatBackwardPassed: Bool,
                convertedInputs: [Int] = [], eps: Double, atol: Double, rtol: Double) {
        var worst: Element?
        var worstExcess = -Double.infinity, maxAbs = 0.0, jacobianOK = true
        for (i, (aInput, nInput)) in zip(analytic, numerical).enumerated() {
            for (j, (aColumn, nColumn)) in zip(aInput, nInput).enumerated() {
                for (o, (a, n)) in zip(aColumn, nColumn).enumerated() {
                    let diff = Swift.abs(a - n)
                    // Ranked by how much of its tolerance an element uses: the worst element is the
                    // one closest to failing (or furthest past it), informative either way.
                    let excess = diff / (atol + rtol * Swift.abs(n))
                    if !(excess <= 1) { jacobianOK = false }
                    maxAbs = Swift.max(maxAbs, diff.isNaN ? .infinity : diff)
                    if excess > worstExcess || excess.isNaN {
                        worstExcess = excess.isNaN ? .infinity : excess
                        worst = Element(input: i, inputIndex: j, outputIndex: o, analytic: a, numerical: n)
                    }
                }
            }
        }
        self.init(jacobianPassed: jacobianOK, zeroGradOutputPassed: zeroGradOutputPassed, repeatBackwardPassed: repeatBackwardPassed,
                  worst: worst, maxAbsError: maxAbs, convertedInputs: convertedInputs, eps: eps, atol: atol, rtol: rtol)
    }

    init(jacobianPassed: Bool, zeroGradOutputPassed: Bool, repeatBackwardPassed: Bool, worst: Element?, maxAbsError: Double,
         convertedInputs: [Int], eps: Double, atol: Double, rtol: Double) {
        self.jacobianPassed = jacobianPassed
        self.zeroGradOutputPassed = zeroGradOutputPassed
        self.repeatBackwardPassed = repeatBackwardPassed
        self.worst = worst
        self.maxAbsError = maxAbsError
        self.convertedInputs = convertedInputs
        self.eps = eps
        self.atol = atol
        self.rtol = rtol
    }

    public var description: String {
        var lines = ["gradCheck \(passed ? "passed" : "FAILED") (eps \(eps), atol \(atol), rtol \(rtol)); max |analytic − numerical| = \(maxAbsError)"]
        if let worst { lines.append("  worst: \(worst)") }
        if !jacobianPassed { lines.append("  Jacobian mismatch: analytic and numerical gradients differ beyond atol + rtol·|numerical|") }
        if !zeroGradOutputPassed { lines.append("  backward of a zero output gradient gave non-zero input gradients") }
        if !repeatBackwardPassed { lines.append("  two backward passes with the same output gradient disagree (non-deterministic backward)") }
        if !convertedInputs.isEmpty { lines.append("  inputs \(convertedInputs) were float32 and were checked as float64 copies") }
        return lines.joined(separator: "\n")
    }
}

/// The error ``gradCheck(_:eps:atol:rtol:raiseException:_:)`` throws when asked to.
public struct GradCheckError: Error, CustomStringConvertible {
    /// The failing report.
    public var report: GradCheckReport
    public var description: String { report.description }
}

/// Compares the gradients `backward` computes for `f` with central differences, in float64,
/// with PyTorch's `gradcheck` defaults.
///
/// Inputs already in float64 are perturbed **in place** (so a layer's own parameters, after
/// `module.to(.float64)`, can be passed and used by `f` through the layer) and restored
/// exactly; float32 inputs are replaced by float64 copies, and the report says so. The
/// analytic Jacobian is built row by row from vector–Jacobian products (one backward pass
/// per output element over a retained graph).
///
///     let report = try gradCheck([x, w]) { t in (t[0] * t[1]).sum() }
///     #expect(report.passed, "\(report)")
///
/// - Parameters:
///   - inputs: the tensors to differentiate with respect to (float32 ones are checked as
///     float64 copies).
///   - eps: the central-difference step.
///   - atol: the absolute tolerance of `|analytic − numerical|`.
///   - rtol: the relative tolerance, scaled by `|numerical|`.
///   - raiseException: throw ``GradCheckError`` on failure instead of returning it.
///   - f: the function under test, from the (converted) inputs to a tensor.
@discardableResult
public func gradCheck(
    _ inputs: [Tensor], eps: Double = 1e-6, atol: Double = 1e-5, rtol: Double = 1e-3,
    raiseException: Bool = false, _ f: ([Tensor]) -> Tensor
) throws -> GradCheckReport {
    var converted: [Int] = []
    let xs: [Tensor] = inputs.enumerated().map { i, t in
        if t.dtype == .float64 && t.isLeaf { return t }
        converted.append(i)
        return Tensor(storage: t.storage.copy(as: .float64), shape: t.shape)
    }
    let savedFlags = xs.map(\.leafRequiresGrad)
    let savedGrads = xs.map(\.grad)
    defer {
        for (x, (flag, grad)) in zip(xs, zip(savedFlags, savedGrads)) {
            x.leafRequiresGrad = flag
            x.grad = grad
        }
    }

    // Numerical Jacobian, column by column: d output / d x[i][j] by central differences.
    func evaluate() -> [Double] { withNoGrad { f(xs).to(.float64).doubles() } }
    for x in xs { x.leafRequiresGrad = false }
    let outCount = evaluate().count
    var numerical: [[[Double]]] = xs.map { x in Array(repeating: [Double](repeating: 0, count: outCount), count: x.count) }
    for (i, x) in xs.enumerated() {
        for j in 0..<x.count {
            let orig = x[flat: j]
            x[flat: j] = orig + eps
            let plus = evaluate()
            x[flat: j] = orig - eps
            let minus = evaluate()
            x[flat: j] = orig
            for o in 0..<outCount { numerical[i][j][o] = (plus[o] - minus[o]) / (2 * eps) }
        }
    }

    // Analytic Jacobian, row by row: one backward pass per output element.
    for x in xs { x.leafRequiresGrad = true; x.grad = nil }
    let y = withGrad { f(xs) }
    var analytic: [[[Double]]] = numerical.map { $0.map { $0.map { _ in 0 } } }
    var zeroOK = true, repeatOK = true
    if y.requiresGrad && outCount > 0 {
        func gradsFor(_ seed: Tensor) -> [[Double]] {
            for x in xs { x.grad = nil }
            y.backward(seed, retainGraph: true)
            return xs.map { $0.grad?.to(.float64).doubles() ?? [Double](repeating: 0, count: $0.count) }
        }
        for o in 0..<outCount {
            var oneHot = [Double](repeating: 0, count: outCount)
            oneHot[o] = 1
            let seed = Tensor(oneHot, shape: y.shape, dtype: y.dtype)
            let g = gradsFor(seed)
            for i in xs.indices { for j in 0..<xs[i].count { analytic[i][j][o] = g[i][j] } }
            if o == 0 { repeatOK = gradsFor(seed) == g }
        }
        zeroOK = gradsFor(Tensor.zeros(y.shape, dtype: y.dtype)).allSatisfy { $0.allSatisfy { $0 == 0 } }
    }

    let report = GradCheckReport(analytic: analytic, numerical: numerical, zeroGradOutputPassed: zeroOK,
                                 repeatBackwardPassed: repeatOK, convertedInputs: converted, eps: eps, atol: atol, rtol: rtol)
    if raiseException && !report.passed { throw GradCheckError(report: report) }
    return report
}
