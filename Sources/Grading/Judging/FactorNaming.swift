import Foundation

// Naming a factor. An output that is c × the reference may be scaled by a constant, by
// something that depends on the sizes (1/√n, 1/n …), or by something the layer computes from
// its input (a norm, a standard deviation). One measurement cannot tell these apart: at
// in = 4 the factors 2, √in and in/2 are the same number. So the grader measures c again —
// for a second input of the same shape, and with each size changed in turn — and names a
// dependence only when every measurement agrees with exactly one form.

/// A size the output might depend on, as a reason names it: `n`, the input's length, 16 in
/// the values criterion and 12 in the second measurement.
struct SizeVariable: Sendable, Equatable {
    /// Its symbol in a reason, e.g. "n", "in", "B".
    let symbol: String
    /// What it is, e.g. "the input's length".
    let meaning: String
    /// Its value in the values criterion.
    let base: Int
    /// Its value in the second measurement; chosen so that no two forms agree at both values.
    let other: Int
}

/// The factor relating a candidate's output to the reference, measured more than once.
struct FactorEvidence {
    /// At the values input.
    var base: Double
    /// At a second input of the same shape; nil when the output is no multiple of the reference there.
    var otherInput: Double?
    /// With each size changed in turn; nil where it could not be measured or is no multiple.
    var sizes: [(variable: SizeVariable, factor: Double?)]
}

/// One way a factor can depend on a single size `v`, e.g. `1/√v`.
struct SizeForm {
    /// The form with `v` in place of the size, e.g. "1/√v".
    let template: String
    let value: @Sendable (Double) -> Double

    /// The form for a size's symbol, e.g. "1/√n".
    func label(_ symbol: String) -> String { template.replacingOccurrences(of: "v", with: symbol) }
}

/// The forms a factor is named by: powers of one size (±½, ±1, ±2), half and twice it, and
/// the same with a minus sign. A factor is named only when exactly one of them matches it at
/// both values of the size.
let sizeForms: [SizeForm] = {
    let positive: [SizeForm] = [
        SizeForm(template: "v", value: { $0 }), SizeForm(template: "1/v", value: { 1 / $0 }),
        SizeForm(template: "√v", value: { $0.squareRoot() }), SizeForm(template: "1/√v", value: { 1 / $0.squareRoot() }),
        SizeForm(template: "v²", value: { $0 * $0 }), SizeForm(template: "1/v²", value: { 1 / ($0 * $0) }),
        SizeForm(template: "v/2", value: { $0 / 2 }), SizeForm(template: "2/v", value: { 2 / $0 }),
    ]
    return positive + positive.map { form in SizeForm(template: "−" + form.template, value: { -form.value($0) }) }
}()

/// Whether two measured factors are the same number (to 1e-6, relative).
func sameFactor(_ a: Double, _ b: Double) -> Bool { Swift.abs(a - b) <= 1e-6 * Swift.max(Swift.abs(a), Swift.abs(b)) }

/// The factor c with `got ≈ c·t`, by least squares, when `got − c·t` is below 1e-6 of `got`'s
/// largest magnitude everywhere; nil when `got` is no multiple of `t` (or c is 0).
func multipleFactor(_ got: [Double], of t: [Double]) -> Double? {
    guard got.count == t.count, !got.isEmpty else { return nil }
    let tt = zip(t, t).map(*).reduce(0, +), gt = zip(got, t).map(*).reduce(0, +)
    guard tt > 0 else { return nil }
    let c = gt / tt, gMax = got.map(Swift.abs).max() ?? 0
    let residual = zip(got, t).map { Swift.abs($0 - c * $1) }.max() ?? 0
    guard residual <= 1e-6 * Swift.max(gMax, 1e-300), Swift.abs(c) > 1e-12 else { return nil }
    return c
}

/// A factor as a learner reads it: `2`, `1/2`, `−3/4`, or four significant digits.
func formatFactor(_ c: Double) -> String {
    for q in [1, 2, 3, 4] {
        let p = c * Double(q)
        if Swift.abs(p - p.rounded()) <= 1e-9 * Swift.max(1, Swift.abs(p)), Swift.abs(p) < 1000 {
            let sign = p < 0 ? "−" : ""
            let whole = Int(Swift.abs(p).rounded())
            return q == 1 ? "\(sign)\(whole)" : "\(sign)\(whole)/\(q)"
        }
    }
    return String(format: "%.4g", c).replacingOccurrences(of: "-", with: "−")
}

/// The forms that match `c` at a size's base value and `other` at its other value.
func matchingForms(_ variable: SizeVariable, base c: Double, other: Double) -> [SizeForm] {
    sizeForms.filter {
        sameFactor($0.value(Double(variable.base)), c) && sameFactor($0.value(Double(variable.other)), other)
    }
}

/// What `evidence` shows about the factor between `what` (e.g. "the output") and the reference,
/// in words that claim no more than was measured:
///
/// - a factor that differs between two inputs of the same shape is computed from the input,
///   and is not called a constant;
/// - one that stays the same as every size changes is a constant, given as a number (and
///   not called a constant when a size could not be measured);
/// - one that changes with exactly one size is named (`1/√n`) only when exactly one form
///   matches both measurements, otherwise given as its numbers;
/// - when a second input shows no multiple (or could not be measured), the number alone.
func describeFactor(_ evidence: FactorEvidence, what: String) -> String {
    let c = evidence.base
    guard let other = evidence.otherInput else {
        return "\(what) is \(formatFactor(c)) × the reference for this input"
    }
    if !sameFactor(other, c) {
        return "\(what) is a multiple of the reference for each input, but not by a constant: the factor is \(formatFactor(c)) for one input and \(formatFactor(other)) for another of the same shape — the layer scales by something it computes from its input (e.g. a norm or a standard deviation), which the exercise does not ask for"
    }
    let measured = evidence.sizes.compactMap { entry in entry.factor.map { (entry.variable, $0) } }
    let changed = measured.filter { !sameFactor($0.1, c) }
    if changed.isEmpty {
        let scaled = sameFactor(c, -1) ? "with its sign flipped (× −1)" : "scaled by \(formatFactor(c))"
        guard !measured.isEmpty else {
            return "\(what) is the reference \(scaled), the same factor for every input of this shape: remove that factor"
        }
        let tried = measured.map { "\($0.0.symbol) = \($0.0.base), \($0.0.other)" }.joined(separator: "; ")
        let unmeasured = evidence.sizes.filter { $0.factor == nil }.map(\.variable.symbol)
        guard unmeasured.isEmpty else {
            return "\(what) is the reference \(scaled), the same factor for every input and at the sizes tried (\(tried)); how it depends on \(unmeasured.joined(separator: " and ")) could not be measured — remove that factor"
        }
        return "\(what) is the reference \(scaled), the same factor for every input and at every size tried (\(tried)): remove that constant factor"
    }
    if changed.count == 1 {
        let (variable, c1) = changed[0]
        let forms = matchingForms(variable, base: c, other: c1)
        if forms.count == 1 {
            let label = forms[0].label(variable.symbol)
            return "\(what) is the reference scaled by \(label) = \(String(format: "%.4g", c)) (\(variable.symbol) = \(variable.base), \(variable.meaning); \(String(format: "%.4g", c1)) at \(variable.symbol) = \(variable.other)): remove that factor — the exercise's formula has no \(label)"
        }
        return "\(what) is the reference times a factor that depends on \(variable.symbol) (\(variable.meaning)): \(formatFactor(c)) at \(variable.symbol) = \(variable.base), \(formatFactor(c1)) at \(variable.symbol) = \(variable.other) — remove that factor"
    }
    let figures = changed.map { "\(formatFactor($0.1)) at \($0.0.symbol) = \($0.0.other)" }.joined(separator: ", ")
    return "\(what) is the reference times a factor that depends on the sizes: \(formatFactor(c)) here, \(figures) — remove that factor"
}
