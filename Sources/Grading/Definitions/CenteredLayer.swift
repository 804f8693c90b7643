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
            valuesHint: "subtract the mean of all elements, X.mean(): one number for the whole input",
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
            rowsIndependent: false,
            sizeProbes: [.batch(4, 6), .lastAxis("n", meaning: "the input's last axis", 5, 8)],
            namedMistake: { meanOverAxes($0) })
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
                Candidate.centeredLayer("column-mean", summary: "subtracts the mean over axis 0 (each column's, across the batch)") {
                    ColumnCenteredLayer()
                }.asKnownWrong(failing: .values),
                Candidate.centeredLayer("standardised", summary: "divides by the input's standard deviation too, (X − mean) / std") {
                    StandardisedLayer()
                }.asKnownWrong(failing: .values),
                Candidate.centeredLayer("detached-mean", summary: "subtracts X.mean().detach(), the mean as a constant (PyTorch's .item())") {
                    DetachedMeanLayer()
                }.asKnownWrong(failing: .gradients),
            ])
    }
}

/// Names an output that subtracts the mean over some axes instead of over all of them: each
/// proper, non-empty set of the input's axes is tried exactly, `x − x.mean(axes, keepDims)`.
/// The wording says which axes, and only the last axis alone is called a per-row mean.
func meanOverAxes(_ trial: Trial) -> String? {
    let x = trial.x, got = trial.got.to(.float64).doubles()
    guard x.rank >= 2, trial.got.shape == x.shape else { return nil }
    let subsets = (1..<(1 << x.rank) - 1).map { mask in (0..<x.rank).filter { mask & (1 << $0) != 0 } }
    for axes in subsets where sameEntries(got, (x - x.mean(axes: axes, keepDims: true)).doubles()) {
        let all = "not the mean of all elements: CenteredLayer subtracts X.mean(), one number for the whole input"
        if axes == [x.rank - 1] {
            return "the output subtracts each row's mean (the mean over the last axis), \(all) — not a per-row mean"
        }
        if axes == [0] {
            return "the output subtracts the mean over axis 0 — each column's mean, taken across the batch — \(all)"
        }
        return "the output subtracts the mean over axes \(axes), \(all)"
    }
    return nil
}

// MARK: - Known-wrong answers

/// CenteredLayer that subtracts each row's mean instead of the mean of all elements.
final class RowCenteredLayer: Module {
    override func forward(_ x: Tensor) -> Tensor { x - x.mean(axis: -1, keepDims: true) }
}

/// CenteredLayer that subtracts the mean over axis 0 (`X.mean(dim=0)`): each column's mean,
/// taken across the batch. For the book's one-dimensional example it is right.
final class ColumnCenteredLayer: Module {
    override func forward(_ x: Tensor) -> Tensor { x - x.mean(axis: 0, keepDims: true) }
}

/// CenteredLayer that standardises, `(X − X.mean()) / X.std()`: a scale computed from the
/// input itself, not a constant.
final class StandardisedLayer: Module {
    override func forward(_ x: Tensor) -> Tensor {
        let centered = x - x.mean()
        return centered / x.variance().sqrt()
    }
}

/// CenteredLayer that treats the mean as a constant, `X − X.mean().detach()` (PyTorch's
/// `X - X.mean().item()`): the values are right, but the mean's share of the gradient is lost.
final class DetachedMeanLayer: Module {
    override func forward(_ x: Tensor) -> Tensor { x - x.mean().detach() }
}
