import Foundation
import LayerKit
import LayerKitChild

/// One criterion of a spec: which one, and a check that returns the figure it measured, or
/// throws ``Failed`` (or a ``ChildFailure`` from the candidate's side).
struct Criterion {
    let id: CriterionID
    let check: (CandidateSession) throws -> String

    init(_ id: CriterionID, check: @escaping (CandidateSession) throws -> String) {
        self.id = id
        self.check = check
    }
}

/// What every layer spec shares: the arguments the answer is built from, the inputs to try,
/// and the reference the candidate is compared with. The generic criteria (shape, values,
/// gradients, state round trip) are derived from it; an exercise adds its own criteria.
///
/// Every check runs in the grader: the candidate only builds instances and returns numbers
/// (``RemoteModule``); the reference, the comparisons and the verdicts are computed here.
struct LayerSpec {
    /// Fresh arguments in float64 (container exercises get new blocks each time).
    let makeArguments: () -> SpecArguments
    /// The input shape for values and gradients.
    let inputShape: [Int]
    let shapeCases: [ShapeCase]
    /// The reference computed from the candidate's own parameters (so values and gradients
    /// are compared, not initialisations). Throws ``Failed`` when the parameters cannot be
    /// matched to the exercise's.
    let reference: (ReferenceInput) throws -> (Tensor) -> Tensor
    /// Hint appended when values differ.
    let valuesHint: String
    /// The parameter check (count, shapes), returning its figure.
    let parameters: (_ parameters: [(String, Tensor)], _ arguments: SpecArguments) throws -> String
    /// Criteria of this exercise only.
    let extra: [Criterion]
    /// Whether each row of a batch must be computed from its own input row (false for
    /// `CenteredLayer`, whose mean is over everything).
    var rowsIndependent = true
}

extension LayerSpec {
    /// A fresh instance of the candidate in float64, with the arguments it was built from.
    func build(_ session: CandidateSession) throws -> (RemoteModule, SpecArguments) {
        let arguments = makeArguments()
        return (try session.build(arguments), arguments)
    }

    /// The reference for `module`, from the parameters it returns.
    func reference(for module: RemoteModule, _ arguments: SpecArguments) throws -> (ReferenceInput, (Tensor) -> Tensor) {
        let input = ReferenceInput(received: try module.namedParameters(), arguments: arguments, candidate: module)
        return (input, try reference(input))
    }

    /// All criteria in report order.
    var criteria: [Criterion] {
        [
            Criterion(.outputShape) { try checkShapes($0) },
            Criterion(.parameters) { session in
                let (module, arguments) = try build(session)
                return try parameters(try module.namedParameters(), arguments)
            },
            Criterion(.values) { try checkValues($0) },
            Criterion(.gradcheck) { try checkGradCheck($0) },
            Criterion(.gradients) { try checkGradients($0) },
            Criterion(.stateRoundTrip) { try checkRoundTrip($0) },
        ] + extra
    }

    func checkShapes(_ session: CandidateSession) throws -> String {
        let (module, _) = try build(session)
        var seen: [String] = []
        for c in shapeCases {
            let out = try module(Tensor.randn(c.input, dtype: .float64)).shape
            seen.append("\(c.input)→\(out)")
            if let problem = c.judge(out) {
                throw Failed(figure: seen.joined(separator: " "),
                             reason: "for input \(c.input) expected \(c.expected), got \(out): \(problem)")
            }
        }
        return seen.joined(separator: " ")
    }

    func checkValues(_ session: CandidateSession) throws -> String {
        let (module, arguments) = try build(session)
        let (_, ref) = try reference(for: module, arguments)
        let x = Tensor.randn(inputShape, dtype: .float64)
        let got = try module(x), want = withNoGrad { ref(x) }
        do {
            return try compare(got, want, what: "output", hint: valuesHint)
        } catch let failed as Failed {
            // Name the mistake when the maths recognises it; otherwise the exercise's hint.
            if let named = try nonDeterminism(of: module, on: x) { throw named }
            if rowsIndependent, let named = try rowMixing(of: module, on: x) { throw named }
            if let named = describeDifference(got, want, n: x.shape.last ?? 1) { throw Failed(figure: failed.figure, reason: named) }
            throw failed
        }
    }

    func checkGradCheck(_ session: CandidateSession) throws -> String {
        let (module, _) = try build(session)
        let x = Tensor.randn(inputShape, dtype: .float64)
        let (report, parameterCount) = try remoteGradCheck(module, at: x)
        let figure = String(format: "worst |analytic − numeric| %.1e over input + %d parameter(s)", report.maxAbsError,
                            parameterCount)
        guard report.passed else {
            if let blind = try float32Blindness(of: module, at: x) { throw Failed(figure: figure, reason: blind) }
            let worst = report.worst.map { ", worst at \($0)" } ?? ""
            throw Failed(figure: figure, reason: "backward disagrees with finite differences\(worst): check the gradient formula, and that no weight is read through .detach()/.data")
        }
        return figure
    }

    func checkGradients(_ session: CandidateSession) throws -> String {
        let (module, arguments) = try build(session)
        let (input, ref) = try reference(for: module, arguments)
        let x = Tensor.randn(inputShape, dtype: .float64)
        let outputShape = try module(x).shape
        let seed = Tensor.randn(outputShape, dtype: .float64)
        // The candidate's gradients, from its own backward.
        let remote = try module.gradients(at: x, seeds: [seed]).items[0]
        // The reference's, by autograd in the grader.
        let leaf = Tensor(x.doubles(), shape: x.shape, dtype: .float64, requiresGrad: true)
        for t in input.tensors {
            t.grad = nil
            if t.isLeaf && !t.requiresGrad { t.requiresGrad = true }
        }
        let y = withGrad { ref(leaf) }
        guard y.shape == seed.shape else {
            throw Failed(figure: "output \(outputShape), reference \(y.shape)", reason: "the output's shape differs from the reference's")
        }
        if y.requiresGrad { y.backward(seed) }
        let got = [remote.input] + remote.parameters, want = [leaf.grad] + input.tensors.map(\.grad)
        var worst = 0.0
        for (i, (g, w)) in zip(got, want).enumerated() {
            let name = i == 0 ? "the input" : "parameter `\(input.parameters[i - 1].0)`"
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
        return String(format: "input + %d parameter gradients agree with the reference, max |Δ| %.1e", input.parameters.count, worst)
    }

    func checkRoundTrip(_ session: CandidateSession) throws -> String {
        let (first, _) = try build(session)
        let (second, _) = try build(session)
        let x = Tensor.randn(inputShape, dtype: .float64)
        let before = try first(x)
        let state = try first.stateDict()
        // The state travels as a safetensors image; a candidate whose state cannot be written
        // (a reserved or repeated key) fails here, as `save_file` would.
        let saved: [(String, Tensor)]
        do { saved = try Safetensors.decode(try Safetensors.encode(state)) } catch {
            throw Failed(figure: "save failed", reason: "the state dict cannot be saved as safetensors: \(error)")
        }
        do { try second.loadStateDict(saved) } catch ChildFailure.raised(let failure) {
            throw Failed(figure: "load failed", reason: "a fresh instance does not load the saved state dict: \(failure.message)")
        }
        let after = try second(x)
        _ = try difference(after, before, what: "output after save and load",
                           hint: "a weight is missing from stateDict(): keep every weight in a Parameter property (or registerBuffer)",
                           tolerance: 0, against: "the output before saving")
        return "\(state.count) tensor(s) saved and loaded; outputs identical"
    }
}
