import LayerKit

/// A criterion that did not hold, thrown by the checks: what was measured and why it fails.
struct Failed: Error {
    var figure: String
    var reason: String
}

/// Tolerance for float64 value comparisons, relative to the reference's largest magnitude.
let valueTolerance = 1e-9

/// The largest absolute difference of `got` from `want`, or ``Failed`` when the shapes differ
/// or it is above `tolerance` (relative to the largest magnitude of `want`, at least 1).
func difference(_ got: Tensor, _ want: Tensor, what: String, hint: String, tolerance: Double = valueTolerance,
                against: String = "the reference") throws -> Double {
    guard got.shape == want.shape else {
        throw Failed(figure: "shape \(got.shape), expected \(want.shape)", reason: "\(what) has shape \(got.shape), expected \(want.shape)")
    }
    let g = got.to(.float64).doubles(), w = want.to(.float64).doubles()
    let scale = max(1, w.map(Swift.abs).max() ?? 0)
    let diff = zip(g, w).map { Swift.abs($0 - $1) }.max() ?? 0
    if !(diff <= tolerance * scale) {  // also catches NaN
        throw Failed(figure: String(format: "max |Δ| %.2e (tolerance %.0e)", diff, tolerance * scale),
                     reason: "\(what) differs from \(against): \(hint)")
    }
    return diff
}

/// The figure for a value comparison that passed, or ``Failed``.
func compare(_ got: Tensor, _ want: Tensor, what: String, hint: String) throws -> String {
    let diff = try difference(got, want, what: what, hint: hint)
    return String(format: "max |Δ| %.1e vs reference (tolerance %.0e, float64)", diff, valueTolerance)
}

/// An input shape to try and the rule its output shape must follow.
struct ShapeCase {
    let input: [Int]
    /// The accepted output shapes, as text for the figure (e.g. `"[5, 3]"`).
    let expected: String
    /// Nil when `output` is acceptable, otherwise the reason it is not.
    let judge: (_ output: [Int]) -> String?
}

/// A shape case expecting exactly `shape`.
func exactShape(_ input: [Int], _ shape: [Int], hint: String = "") -> ShapeCase {
    ShapeCase(input: input, expected: "\(shape)") { $0 == shape ? nil : (hint.isEmpty ? "wrong output shape" : hint) }
}

/// Of the `layouts` (the same reference reading the candidate's weight in different
/// layouts), the one closest to the candidate's own output on a random probe: layouts are
/// told apart by values, not by names or shapes.
func closestLayout(of candidate: RemoteModule, among layouts: [(Tensor) -> Tensor], probe shape: [Int]) throws -> (Tensor) -> Tensor {
    let probe = Tensor.randn(shape, dtype: .float64)
    let got = try candidate(probe)
    let distances = layouts.map { f in
        let want = withNoGrad { f(probe) }
        return want.shape == got.shape ? got.to(.float64).maxAbsDifference(want) : .infinity
    }
    return layouts[distances.indices.min { distances[$0] < distances[$1] } ?? 0]
}

/// Whether two tensors hold exactly the same numbers in the same shape (how the grader
/// recognises a tensor it sent among those a candidate returns).
func sameValues(_ a: Tensor, _ b: Tensor) -> Bool {
    a.shape == b.shape && a.to(.float64).doubles() == b.to(.float64).doubles()
}
