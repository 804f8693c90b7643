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
    /// matched to the exercise's. It reads the sizes from the input's arguments, so that the
    /// diagnoses can rebuild the candidate at other sizes.
    let reference: (ReferenceInput) throws -> (Tensor) -> Tensor
    /// Hint appended when values differ and no diagnosis names the mistake: what is expected,
    /// never a guess at what went wrong.
    let valuesHint: String
    /// The parameter check (count, shapes), returning its figure.
    let parameters: (_ parameters: [(String, Tensor)], _ arguments: SpecArguments) throws -> String
    /// Criteria of this exercise only (a `var`, so that they can be added once the rest of
    /// the spec exists and use its values diagnosis).
    var extra: [Criterion]
    /// Whether each row of a batch must be computed from its own input row (false for
    /// `CenteredLayer`, whose mean is over everything).
    var rowsIndependent = true
    /// The sizes a factor between output and reference may depend on, each with a second
    /// value to measure it at (``describeFactor(_:what:)``).
    var sizeProbes: [SizeProbe] = []
    /// The exercise's own ways to name a wrong output exactly (an axis of a mean, a missing
    /// activation, shifted bins …), tried after the generic ones; nil when none fits.
    var namedMistake: ((Trial) throws -> String?)?
    /// More arguments the values must hold for, beyond ``makeArguments`` (e.g. other numbers
    /// of blocks), each with its label and input shape.
    var moreValueCases: [ValueCase] = []
    /// How a reason names ``makeArguments`` beside ``moreValueCases`` (e.g. "3 blocks").
    var valuesLabel = ""
    /// Every reading of the candidate's parameters the reference may take (its weight in each
    /// layout), when there are several; ``reference`` is the one closest to the candidate's
    /// output. A wrong output can be closest to the wrong reading, so the diagnoses try them all.
    var readings: ((ReferenceInput) throws -> [(Tensor) -> Tensor])?
}

/// Other arguments the values criterion checks, beyond the spec's own.
struct ValueCase {
    /// How the report names them, e.g. "12 blocks".
    let label: String
    let arguments: () -> SpecArguments
    let inputShape: [Int]
}

/// One comparison of a candidate instance with its reference: what the diagnoses look at.
struct Trial {
    let module: RemoteModule
    let arguments: SpecArguments
    let input: ReferenceInput
    let reference: (Tensor) -> Tensor
    /// The reference first, then every reading of the spec's ``LayerSpec/readings``.
    let readings: [(Tensor) -> Tensor]
    let x: Tensor
    let got: Tensor
    let want: Tensor
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
            // One input at a time, so that a crash names the input it happened on.
            let out: [Int]
            do { out = try module(Tensor.randn(c.input, dtype: .float64)).shape } catch let failure as ChildFailure {
                throw ChildFailure.onInput(c.input, failure)
            }
            seen.append("\(c.input)→\(out)")
            if let problem = c.judge(out) {
                throw Failed(figure: seen.joined(separator: " "),
                             reason: "for input \(c.input) expected \(c.expected), got \(out): \(problem)")
            }
        }
        return seen.joined(separator: " ")
    }

    /// A fresh instance built from `arguments`, its reference, and both outputs for a random
    /// input of `shape`.
    func trial(_ session: CandidateSession, arguments: SpecArguments, inputShape shape: [Int]) throws -> Trial {
        let module = try session.build(arguments)
        let (input, ref) = try reference(for: module, arguments)
        let x = Tensor.randn(shape, dtype: .float64)
        let got = try module(x), want = withNoGrad { ref(x) }
        return Trial(module: module, arguments: arguments, input: input, reference: ref,
                     readings: [ref] + (try readings?(input) ?? []), x: x, got: got, want: want)
    }

    func checkValues(_ session: CandidateSession) throws -> String {
        let base = try trial(session, arguments: makeArguments(), inputShape: inputShape)
        let figure: String
        do {
            figure = try compare(base.got, base.want, what: "output", hint: valuesHint)
        } catch let failed as Failed {
            throw try diagnose(base, failed, session: session)
        }
        // What the exercise promises for other arguments (e.g. any number of blocks).
        var right = valuesLabel.isEmpty ? [] : [valuesLabel]
        for valueCase in moreValueCases {
            let other = try trial(session, arguments: valueCase.arguments(), inputShape: valueCase.inputShape)
            let what = "the output with \(valueCase.label)"
            do {
                _ = try difference(other.got, other.want, what: what, hint: valuesHint)
            } catch let failed as Failed {
                let named = try diagnose(other, failed, session: session, what: what)
                let rightSoFar = right.isEmpty ? "" : " (with \(listed(right)) it is right)"
                throw Failed(figure: "\(valueCase.label): \(named.figure)",
                             reason: "with \(valueCase.label)\(rightSoFar): \(named.reason)")
            }
            right.append(valueCase.label)
        }
        let others = moreValueCases.map(\.label)
        return others.isEmpty ? figure : figure + "; also right with " + listed(others)
    }

    /// The values criterion's failure with its diagnosis, or nil when the values agree: for
    /// criteria whose failure may follow from the values (gradients, other sizes).
    func valuesFailure(_ session: CandidateSession) throws -> Failed? {
        let base = try trial(session, arguments: makeArguments(), inputShape: inputShape)
        do {
            _ = try difference(base.got, base.want, what: "output", hint: valuesHint)
            return nil
        } catch let failed as Failed {
            return try diagnose(base, failed, session: session)
        }
    }

    func checkGradCheck(_ session: CandidateSession) throws -> String {
        let (module, arguments) = try build(session)
        let x = Tensor.randn(inputShape, dtype: .float64)
        let (report, parameterCount) = try remoteGradCheck(module, at: x)
        let figure = String(format: "worst |analytic − numeric| %.1e over input + %d parameter(s)", report.maxAbsError,
                            parameterCount)
        guard report.passed else {
            throw Failed(figure: figure, reason: try gradCheckReason(report, module: module, arguments: arguments, at: x))
        }
        return figure
    }

    func checkGradients(_ session: CandidateSession) throws -> String {
        let (module, arguments) = try build(session)
        let (input, ref) = try reference(for: module, arguments)
        let x = Tensor.randn(inputShape, dtype: .float64)
        let output = try module(x)
        let seed = Tensor.randn(output.shape, dtype: .float64)
        // The candidate's gradients, from its own backward.
        let remote = try module.gradients(at: x, seeds: [seed])
        let item = remote.items[0]
        // The reference's, by autograd in the grader.
        let leaf = Tensor(x.doubles(), shape: x.shape, dtype: .float64, requiresGrad: true)
        for t in input.tensors {
            t.grad = nil
            if t.isLeaf && !t.requiresGrad { t.requiresGrad = true }
        }
        let y = withGrad { ref(leaf) }
        guard y.shape == seed.shape else {
            throw Failed(figure: "output \(output.shape), reference \(y.shape)", reason: "the output's shape differs from the reference's")
        }
        if y.requiresGrad { y.backward(seed) }
        let byName = Dictionary(zip(remote.parameterNames, item.parameters), uniquingKeysWith: { first, _ in first })
        let got = [item.input] + input.parameters.map { byName[$0.0] ?? nil }, want = [leaf.grad] + input.tensors.map(\.grad)
        // Whether the forward already differs: then a gradient that differs is its consequence.
        let valuesAgree = (try? difference(output, y.detach(), what: "output", hint: "")) != nil
        let context = GradientContext(module: module, x: x, seed: seed, item: item, parameterNames: remote.parameterNames,
                                      valuesAgree: valuesAgree)
        var worst = 0.0
        for (i, (g, w)) in zip(got, want).enumerated() {
            let name = i == 0 ? "the input" : "parameter `\(input.parameters[i - 1].0)`"
            let parameter = i == 0 ? nil : input.parameters[i - 1].0
            switch (g, w) {
            case (nil, nil): continue
            case (nil, _?):
                throw Failed(figure: "no gradient for \(name)", reason: try context.missingGradientReason(name, parameter: parameter))
            case (_?, nil):
                throw Failed(figure: "unexpected gradient for \(name)",
                             reason: "\(name) gets a gradient the reference does not give it: the exercise's formula does not use it"
                                + (valuesAgree ? "" : ", and the output already differs from the reference (see `values`)"))
            case let (g?, w?):
                do {
                    worst = max(worst, try difference(g, w, what: "gradient of \(name)", hint: ""))
                } catch let failed as Failed {
                    throw Failed(figure: failed.figure, reason: try context.differentGradientReason(g, w, name: name))
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

/// `items` as a sentence lists them: "a", "a and b", "a, b and c".
func listed(_ items: [String]) -> String {
    items.count < 2 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items.last!
}
