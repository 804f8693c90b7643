import Foundation

// Naming an element-wise function. When every entry of a wrong output is the same function φ
// of the corresponding entry of the expected output (or, for MyLinear, of the pre-activation
// x·W + b), the learner applied φ where none belongs, or φ instead of the activation asked
// for. The check is exact (to 1e-9) on every entry, and φ is named only when exactly one of
// the functions fits: on an expected output with no negative entries, relu and abs are both
// the identity, and nothing is claimed.

/// An element-wise function a wrong output may be of the expected one.
struct ElementwiseFunction: Sendable {
    /// How it is written around an expression `e`, e.g. `relu(e)`, `|e|`.
    let written: @Sendable (String) -> String
    /// What it does to the entries, e.g. "its negative entries are set to 0".
    let effect: String
    /// The thing to remove, e.g. "the relu".
    let removal: String
    let f: @Sendable (Double) -> Double
}

/// ReLU, sigmoid, tanh, abs (a sign flip of the negative entries) and the square.
let elementwiseFunctions: [ElementwiseFunction] = [
    ElementwiseFunction(written: { "relu(\($0))" }, effect: "its negative entries are set to 0", removal: "the relu",
                        f: { Swift.max(0, $0) }),
    ElementwiseFunction(written: { "sigmoid(\($0))" }, effect: "every entry is squashed into (0, 1)", removal: "the sigmoid",
                        f: { 1 / (1 + Foundation.exp(-$0)) }),
    ElementwiseFunction(written: { "tanh(\($0))" }, effect: "every entry is squashed into (−1, 1)", removal: "the tanh",
                        f: { Foundation.tanh($0) }),
    ElementwiseFunction(written: { "|\($0)|" }, effect: "its negative entries have their sign flipped", removal: "the abs",
                        f: { Swift.abs($0) }),
    ElementwiseFunction(written: { "(\($0))²" }, effect: "every entry is squared", removal: "the squaring",
                        f: { $0 * $0 }),
]

/// Whether `got` equals `values` entry by entry, to 1e-9 relative to the larger magnitude (at least 1).
func sameEntries(_ got: [Double], _ values: [Double]) -> Bool {
    guard got.count == values.count else { return false }
    let scale = Swift.max(1, (got + values).map(Swift.abs).max() ?? 0)
    return zip(got, values).allSatisfy { Swift.abs($0 - $1) <= 1e-9 * scale }
}

/// The one function φ of `candidates` with `got = φ(base)` entry by entry and `φ(base) ≠ base`;
/// nil when none fits or several do (then the entries cannot tell them apart).
func elementwiseFunction(_ got: [Double], of base: [Double],
                         among candidates: [ElementwiseFunction] = elementwiseFunctions) -> ElementwiseFunction? {
    guard got.count == base.count, !got.isEmpty, got.allSatisfy(\.isFinite) else { return nil }
    let fits = candidates.filter { φ in
        let mapped = base.map(φ.f)
        return sameEntries(got, mapped) && !sameEntries(mapped, base)
    }
    return fits.count == 1 ? fits[0] : nil
}

/// The reason for an output that is `φ` of what the exercise asks for.
func describeElementwise(_ φ: ElementwiseFunction, what: String) -> String {
    "\(what) is \(φ.written("the expected output")): \(φ.effect) — remove \(φ.removal); the exercise applies no such function here"
}
