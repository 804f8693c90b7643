import Exercises
import LayerKit

extension ExerciseDefinition {
    /// Custom Layers: `CenteredLayer`, `X - X.mean()`, no parameters.
    static var centeredLayer: ExerciseDefinition {
        let spec = LayerSpec(
            makeArguments: { SpecArguments() },
            inputShape: [4, 5],
            shapeCases: [exactShape([5], [5]), exactShape([1, 5], [1, 5]), exactShape([2, 3, 4], [2, 3, 4])],
            reference: { _ in { x in x - x.mean() } },
            valuesHint: "subtract the mean of all elements (X.mean(), not a per-row mean)",
            parameters: { parameters, _ in
                let count = parameters.map(\.1.count).reduce(0, +)
                guard count == 0 else {
                    throw Failed(figure: "\(count) trainable numbers", reason: "CenteredLayer has nothing to learn")
                }
                return "no parameters"
            },
            extra: [
                Criterion(.bookOutput) { session in
                    // As the book runs it: float32, not converted.
                    let module = try session.build(SpecArguments(), precision: .float32)
                    let printed = try module(Tensor([1, 2, 3, 4, 5])).description
                    let want = "tensor([-2., -1.,  0.,  1.,  2.])"
                    guard printed == want else {
                        throw Failed(figure: printed, reason: "the book prints \(want) for layer(torch.FloatTensor([1, 2, 3, 4, 5]))")
                    }
                    return printed
                },
                Criterion(.centeredNetworkMean) { session in
                    // Sequential(Linear(8, 128), layer): the Linear runs here, the layer there.
                    let module = try session.build(SpecArguments(), precision: .float32)
                    let hidden = withNoGrad { Linear(8, 128)(Tensor.rand([4, 8])) }
                    let mean = try module(hidden).mean().item()
                    guard Swift.abs(mean) < 1e-6 else {
                        throw Failed(figure: "mean \(mean)", reason: "Sequential(Linear(8, 128), layer) must have output mean 0")
                    }
                    return "Sequential(Linear(8, 128), layer) output mean \(mean) (float32)"
                },
            ],
            rowsIndependent: false)
        return ExerciseDefinition(
            exercise: .centeredLayer,
            title: "CenteredLayer: X - X.mean(), no parameters (Custom Layers)",
            contract: Contract(signature: .noArguments, arguments: "nothing", swiftExample: "let answer = CenteredLayer.init",
                               pythonExample: "answer = CenteredLayer", pythonCall: "answer()"),
            spec: spec,
            references: [
                Candidate.centeredLayer("CenteredLayer", summary: "Exercises.CenteredLayer") { CenteredLayer() }.asReference(),
            ],
            knownWrong: [
                Candidate.centeredLayer("row-mean", summary: "subtracts each row's mean, not the mean of all elements") {
                    RowCenteredLayer()
                }.asKnownWrong(failing: .values),
            ])
    }
}

// MARK: - Known-wrong answers

/// CenteredLayer that subtracts each row's mean instead of the mean of all elements.
final class RowCenteredLayer: Module {
    override func forward(_ x: Tensor) -> Tensor { x - x.mean(axis: -1, keepDims: true) }
}
