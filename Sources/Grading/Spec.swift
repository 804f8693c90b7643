import Foundation
import LayerKit

/// A criterion that did not hold, thrown by the checks: what was measured and why it fails.
struct Failed: Error {
    var figure: String
    var reason: String
}

/// One criterion of a spec: which one, and a check that returns the figure it measured, or
/// throws ``Failed``.
struct Criterion {
    let id: CriterionID
    let check: (Candidate) throws -> String

    init(_ id: CriterionID, check: @escaping (Candidate) throws -> String) {
        self.id = id
        self.check = check
    }
}

/// An input shape to try and the rule its output shape must follow.
struct ShapeCase {
    let input: [Int]
    /// The accepted output shapes, as text for the figure (e.g. `"[5, 3]"`).
    let expected: String
    /// Nil when `output` is acceptable, otherwise the reason it is not.
    let judge: (_ output: [Int]) -> String?
}

/// What every layer spec shares: how to build the candidate, which inputs to try, and the
/// reference the candidate is compared with. The generic criteria (shape, values, gradients,
/// state round trip) are derived from it; an exercise adds its own criteria.
struct LayerSpec {
    let exercise: Exercise
    /// A fresh build input in float64 (container exercises get new blocks each time).
    let makeInput: () -> BuildInput
    /// The input shape for values and gradients.
    let inputShape: [Int]
    let shapeCases: [ShapeCase]
    /// The reference computed from the candidate's own parameters (so values and gradients
    /// are compared, not initialisations). Throws ``Failed`` when the parameters cannot be
    /// matched to the exercise's.
    let reference: (_ candidate: Module, _ input: BuildInput) throws -> (Tensor) -> Tensor
    /// Hint appended when values differ.
    let valuesHint: String
    /// The parameter check (count, shapes), returning its figure.
    let parameters: (_ candidate: Module, _ input: BuildInput) throws -> String
    /// Criteria of this exercise only.
    let extra: [Criterion]
    /// Whether each row of a batch must be computed from its own input row (false for
    /// `CenteredLayer`, whose mean is over everything).
    var rowsIndependent = true
}

/// Tolerance for float64 value comparisons, relative to the reference's largest magnitude.
let valueTolerance = 1e-9

extension LayerSpec {
    /// Builds the candidate in float64 from a fresh input.
    func build(_ candidate: Candidate) throws -> (Module, BuildInput) {
        let input = makeInput()
        let module: Module
        do { module = try candidate.build(input) } catch {
            throw Failed(figure: "factory threw", reason: "building the layer threw: \(error)")
        }
        return (module.to(.float64), input)
    }

    /// All criteria in report order.
    var criteria: [Criterion] {
        [
            Criterion(.outputShape) { try checkShapes($0) },
            Criterion(.parameters) { candidate in
                let (module, input) = try build(candidate)
                return try parameters(module, input)
            },
            Criterion(.values) { try checkValues($0) },
            Criterion(.gradcheck) { try checkGradCheck($0) },
            Criterion(.gradients) { try checkGradients($0) },
            Criterion(.stateRoundTrip) { try checkRoundTrip($0) },
        ] + extra
    }

    func checkShapes(_ candidate: Candidate) throws -> String {
        let (module, _) = try build(candidate)
        var seen: [String] = []
        for c in shapeCases {
            let out = withNoGrad { module(Tensor.randn(c.input, dtype: .float64)) }.shape
            seen.append("\(c.input)→\(out)")
            if let problem = c.judge(out) {
                throw Failed(figure: seen.joined(separator: " "),
                             reason: "for input \(c.input) expected \(c.expected), got \(out): \(problem)")
            }
        }
        return seen.joined(separator: " ")
    }

    func checkValues(_ candidate: Candidate) throws -> String {
        let (module, input) = try build(candidate)
        let ref = try reference(module, input)
        let x = Tensor.randn(inputShape, dtype: .float64)
        let (got, want) = withNoGrad { (module(x), ref(x)) }
        do {
            return try compare(got, want, what: "output", hint: valuesHint)
        } catch let failed as Failed {
            // Name the mistake when the maths recognises it; otherwise the exercise's hint.
            if let named = nonDeterminism(of: module, on: x) { throw named }
            if rowsIndependent, let named = rowMixing(of: module, on: x) { throw named }
            if let named = describeDifference(got, want, n: x.shape.last ?? 1) { throw Failed(figure: failed.figure, reason: named) }
            throw failed
        }
    }

    func checkGradCheck(_ candidate: Candidate) throws -> String {
        let (module, _) = try build(candidate)
        let params = module.parameters()
        let x = Tensor.randn(inputShape, dtype: .float64)
        let report = try gradCheck([x] + params) { module($0[0]) }
        let figure = String(format: "worst |analytic − numeric| %.1e over input + %d parameter(s)", report.maxAbsError, params.count)
        guard report.passed else {
            if let blind = float32Blindness(of: module, at: x) { throw Failed(figure: figure, reason: blind) }
            let worst = report.worst.map { ", worst at \($0)" } ?? ""
            throw Failed(figure: figure, reason: "backward disagrees with finite differences\(worst): check the gradient formula, and that no weight is read through .detach()/.data")
        }
        return figure
    }

    func checkGradients(_ candidate: Candidate) throws -> String {
        let (module, input) = try build(candidate)
        let ref = try reference(module, input)
        let named = module.namedParameters()
        let x = Tensor.randn(inputShape, dtype: .float64)
        x.requiresGrad = true
        var seed: Tensor?  // one random output gradient, shared by both sides
        func grads(_ f: (Tensor) -> Tensor) -> [Tensor?] {
            x.grad = nil
            for (_, p) in named { p.grad = nil }
            let y = f(x)
            if seed == nil || seed!.shape != y.shape { seed = Tensor.randn(y.shape, dtype: .float64) }
            if y.requiresGrad { y.backward(seed!) }
            return [x.grad] + named.map { $0.1.grad }
        }
        let got = grads { module($0) }, want = grads(ref)
        var worst = 0.0
        for (i, (g, w)) in zip(got, want).enumerated() {
            let name = i == 0 ? "the input" : "parameter `\(named[i - 1].0)`"
            switch (g, w) {
            case (nil, nil): continue
            case (nil, _?):
                throw Failed(figure: "no gradient for \(name)",
                             reason: "no gradient reached \(name): reading it through .detach() (PyTorch's .data) cuts it out of the graph")
            case (_?, nil):
                throw Failed(figure: "unexpected gradient for \(name)", reason: "\(name) gets a gradient the reference does not give it")
            case let (g?, w?):
                do {
                    worst = max(worst, try difference(g, w, what: "gradient of \(name)",
                                                      hint: "compare your backward with the derivative of the exercise's formula"))
                } catch let failed as Failed {
                    guard let named = describeDifference(g, w, n: x.shape.last ?? 1, what: "the gradient of \(name)") else { throw failed }
                    throw Failed(figure: failed.figure, reason: named)
                }
            }
        }
        return String(format: "input + %d parameter gradients agree with the reference, max |Δ| %.1e", named.count, worst)
    }

    func checkRoundTrip(_ candidate: Candidate) throws -> String {
        let (first, _) = try build(candidate)
        let x = Tensor.randn(inputShape, dtype: .float64)
        let before = withNoGrad { first(x) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("layerkit-grade-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let state = first.stateDict()
        try Safetensors.save(state, to: url)
        let (second, _) = try build(candidate)
        do { try second.loadStateDict(Safetensors.load(from: url)) } catch {
            throw Failed(figure: "load failed", reason: "a fresh instance does not load the saved state dict: \(error)")
        }
        let after = withNoGrad { second(x) }
        _ = try difference(after, before, what: "output after save and load",
                           hint: "a weight is missing from stateDict(): keep every weight in a Parameter property (or registerBuffer)",
                           tolerance: 0, against: "the output before saving")
        return "\(state.count) tensor(s) saved and loaded; outputs identical"
    }
}

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

/// A shape case expecting exactly `shape`.
func exactShape(_ input: [Int], _ shape: [Int], hint: String = "") -> ShapeCase {
    ShapeCase(input: input, expected: "\(shape)") { $0 == shape ? nil : (hint.isEmpty ? "wrong output shape" : hint) }
}

/// Of the `layouts` (the same reference reading the candidate's weight in different
/// layouts), the one closest to the candidate's own output on a random probe: layouts are
/// told apart by values, not by names or shapes.
func closestLayout(of module: Module, among layouts: [(Tensor) -> Tensor], probe shape: [Int]) -> (Tensor) -> Tensor {
    let probe = Tensor.randn(shape, dtype: .float64)
    let got = withNoGrad { module(probe) }
    let distances = layouts.map { f in
        let want = withNoGrad { f(probe) }
        return want.shape == got.shape ? got.maxAbsDifference(want) : .infinity
    }
    return layouts[distances.indices.min { distances[$0] < distances[$1] } ?? 0]
}
