import Exercises
import LayerKit

extension ExerciseDefinition {
    /// Custom Layers, exercise 1: `y_k = Σ_ij W_ijk x_i x_j`, weight `[in, in, out]` or
    /// `[out, in, in]`, optional bias `[out]`.
    static var tensorReduction: ExerciseDefinition {
        let i = 4, k = 3
        var spec = LayerSpec(
            makeArguments: { SpecArguments(sizes: [i, k]) },
            inputShape: [5, i],
            shapeCases: [exactShape([1, i], [1, k]), exactShape([5, i], [5, k]), exactShape([2, 3, i], [2, 3, k])],
            reference: { try reductionReference($0, in: $0.arguments.sizes[0], out: $0.arguments.sizes[1]) },
            valuesHint: "y_k must be Σ_ij W_ijk x_i x_j",
            parameters: { parameters, _ in
                let weight = try reductionWeight(parameters, in: i, out: k)
                let total = parameters.map(\.1.count).reduce(0, +), bias = parameters.count > 1 ? k : 0
                guard total == i * i * k + bias else {
                    throw Failed(figure: "\(total) numbers in \(parameters.count) parameter(s)",
                                 reason: "expected in·in·out = \(i * i * k) numbers (plus \(k) for an optional bias)")
                }
                return "`\(weight.name)` \(weight.tensor.shape) holds in·in·out = \(i * i * k) numbers; \(total) in all"
            },
            extra: [],
            sizeProbes: [.batch(5, 7), .sizeArgument("in", meaning: "in_features", index: 0, i, 6),
                         .sizeArgument("out", meaning: "out_features", index: 1, k, 5)],
            namedMistake: { try sameIndexReduction($0) },
            readings: { try reductionReadings($0, in: $0.arguments.sizes[0], out: $0.arguments.sizes[1]) })
        let values = spec
        spec.extra = [
            Criterion(.smallSizes) { session in
                var figures: [String] = []
                for (i, k) in [(1, 1), (1, 3), (3, 1)] {
                    let arguments = SpecArguments(sizes: [i, k])
                    let module = try session.build(arguments)
                    let x = Tensor.randn([2, i], dtype: .float64)
                    let ref = try reductionReference(
                        ReferenceInput(received: try module.namedParameters(), arguments: arguments, candidate: module), in: i, out: k)
                    do {
                        _ = try difference(try module(x), withNoGrad { ref(x) }, what: "output for in = \(i), out = \(k)",
                                           hint: "the layer must work for any sizes, including 1")
                    } catch let failed as Failed {
                        // A layer already wrong at in = 4, out = 3 is wrong here for the same reason.
                        guard try values.valuesFailure(session) != nil else { throw failed }
                        throw Failed(figure: failed.figure,
                                     reason: "the output for in = \(i), out = \(k) differs too; this follows from the values: it already differs at in = 4, out = 3 (see `values`)")
                    }
                    figures.append("(\(i), \(k)) ok")
                }
                return figures.joined(separator: ", ")
            },
        ]
        return ExerciseDefinition(
            exercise: .tensorReduction,
            title: "TensorReduction: y_k = Σ_ij W_ijk x_i x_j (Custom Layers, ex. 1)",
            contract: Contract(signature: .sizes, arguments: "inFeatures and outFeatures",
                               swiftExample: "let answer = MyReduction.init", pythonExample: "answer = MyReduction",
                               pythonCall: "answer(in_features, out_features)"),
            spec: spec,
            references: [
                Candidate.tensorReduction("TensorReduction", summary: "Exercises.TensorReduction") {
                    TensorReduction(inFeatures: $0, outFeatures: $1)
                }.asReference(),
                Candidate.tensorReduction("TensorReduction(bias: true)", summary: "Exercises.TensorReduction with a bias") {
                    TensorReduction(inFeatures: $0, outFeatures: $1, bias: true)
                }.asReference(),
            ],
            knownWrong: [
                Candidate.tensorReduction("same-index", summary: "computes Σ W_ijk x_i x_i (one index on x)") { i, k in
                    SameIndexReduction(i, k)
                }.asKnownWrong(failing: .values),
                Candidate.tensorReduction("plain-property-weight", summary: "keeps W in a plain Tensor property, not a Parameter") { i, k in
                    PlainPropertyReduction(i, k)
                }.asKnownWrong(failing: .parameters),
                Candidate.tensorReduction("crashes-on-batch-1", summary: "x.squeeze() drops the batch axis when the batch is 1") { i, k in
                    SqueezingReduction(i, k)
                }.asKnownWrong(failing: .outputShape),
                Candidate.tensorReduction("float32-inside", summary: "computes in float32 whatever the input's dtype") { i, k in
                    Float32Reduction(i, k)
                }.asKnownWrong(failing: .values),
                Candidate.tensorReduction("rows-mixed", summary: "reshapes the outer products [in·in, batch] and transposes") { i, k in
                    RowMixingReduction(i, k)
                }.asKnownWrong(failing: .values),
                Candidate.tensorReduction("dropout-left-in", summary: "a Dropout left in forward") { i, k in DropoutReduction(i, k) }
                    .asKnownWrong(failing: .values),
                Candidate.tensorReduction("weight-in-by-out", summary: "a weight [in, out] on x²: 12 numbers") { i, k in
                    InByOutReduction(i, k)
                }.asKnownWrong(failing: .parameters),
                Candidate.tensorReduction("symmetrised-twice", summary: "uses W_ijk + W_jik without the ½: twice the output") { i, k in
                    SymmetrisedReduction(i, k)
                }.asKnownWrong(failing: .values),
                Candidate.tensorReduction("relu-added", summary: "applies a ReLU to y, as MyLinear does") { i, k in
                    ReLUReduction(i, k)
                }.asKnownWrong(failing: .values),
            ])
    }
}

/// The candidate's weight: the parameter holding `in·in·out` numbers (preferring one named
/// like a weight), with its name.
func reductionWeight(_ all: [(String, Tensor)], in i: Int, out k: Int) throws -> (name: String, tensor: Tensor) {
    let named = all.filter { $0.1.count == i * i * k }
    guard let (name, p) = named.first(where: { $0.0.lowercased().contains("w") }) ?? named.first else {
        let figure = "no parameter of \(i * i * k) numbers among \(all.map { "\($0.0) \($0.1.shape)" })"
        // The largest parameter is the one meant as W: say how many numbers it holds.
        if let (wrongName, wrong) = all.max(by: { $0.1.count < $1.1.count }) {
            throw Failed(figure: figure,
                         reason: "the weight `\(wrongName)` \(wrong.shape) holds \(wrong.count) numbers; W_ijk needs in·in·out = \(i)·\(i)·\(k) = \(i * i * k) (shape [in, in, out] or [out, in, in]): one number per pair (i, j) and output k")
        }
        throw Failed(figure: figure,
                     reason: "no Parameter found: keep W (in·in·out = \(i * i * k) numbers) in a Parameter property, so parameters(), stateDict() and optimisers see it")
    }
    return (name, p)
}

/// `y = Σ_ij W_ijk x_i x_j (+ b)` from the candidate's own weight, in whichever layout —
/// `[in, in, out]` or `[out, in, in]` — reproduces its output (layouts are matched by value).
func reductionReference(_ input: ReferenceInput, in i: Int, out k: Int) throws -> (Tensor) -> Tensor {
    try closestLayout(of: input.candidate, among: try reductionReadings(input, in: i, out: k), probe: [3, i])
}

/// `y = Σ_ij W_ijk x_i x_j (+ b)` with the candidate's weight read as `[in, in, out]`, then as
/// `[out, in, in]`. The weight is read when called, so that a gradient requested on it after
/// this reaches it.
func reductionReadings(_ input: ReferenceInput, in i: Int, out k: Int) throws -> [(Tensor) -> Tensor] {
    let weight = try reductionWeight(input.parameters, in: i, out: k).tensor
    let bias = input.tensors.first { $0 !== weight && $0.count == k }
    func reference(_ w: @escaping () -> Tensor) -> (Tensor) -> Tensor {
        { x in
            let y = outerReduction(x, w())
            return bias.map { y + $0 } ?? y
        }
    }
    return [
        reference { weight.reshape([i, i, k]) },
        reference { weight.reshape([k, i, i]).permute([1, 2, 0]) },
    ]
}

/// Names a reduction that puts one index on x where there are two: `Σ_ij W_ijk x_i x_i =
/// Σ_i (Σ_j W_ijk) x_i²` (or the same with j), checked exactly in both weight layouts, with
/// the candidate's bias if it has one.
func sameIndexReduction(_ trial: Trial) throws -> String? {
    let i = trial.arguments.sizes[0], k = trial.arguments.sizes[1]
    let weight = try reductionWeight(trial.input.parameters, in: i, out: k).tensor
    let bias = trial.input.tensors.first { $0 !== weight && $0.count == k }
    let got = trial.got.to(.float64).doubles(), squares = trial.x * trial.x
    for w in [weight.reshape([i, i, k]), weight.reshape([k, i, i]).permute([1, 2, 0])] {
        for summed in [1, 0] {
            let y = withNoGrad { squares.matmul(w.sum(axis: summed)) }
            if sameEntries(got, (bias.map { y + $0 } ?? y).doubles()) {
                return "y_k is Σ_ij W_ijk x_\(summed == 1 ? "i x_i" : "j x_j"): one index on x where the formula has two different indices, i and j — y_k = Σ_ij W_ijk x_i x_j"
            }
        }
    }
    return nil
}

/// `y_k = Σ_ij W_ijk x_i x_j` for weight `[in, in, out]`, as one GEMM on the outer products.
func outerReduction(_ x: Tensor, _ w: Tensor) -> Tensor {
    let i = w.shape[0], k = w.shape[2]
    let outer = (x.unsqueeze(-1) * x.unsqueeze(-2)).reshape([-1, i * i])
    return outer.matmul(w.reshape([i * i, k])).reshape(Array(x.shape.dropLast()) + [k])
}

// MARK: - Known-wrong answers

/// What the wrong tensor reductions share: a registered weight `[in, in, out]`, initialised
/// like the reference's.
class ReductionWeight: Module {
    let weight: Parameter
    init(_ i: Int, _ k: Int) {
        weight = Parameter(Tensor.uniform([i, i, k], low: -1 / Double(i), high: 1 / Double(i)))
        super.init()
    }
}

/// Tensor reduction with `W_ijk x_i x_i`: one index on x where there should be two.
final class SameIndexReduction: ReductionWeight {
    override func forward(_ x: Tensor) -> Tensor {
        let i = weight.shape[0], k = weight.shape[2]
        // Σ_ij W_ijk x_i x_i = Σ_i (Σ_j W_ijk) x_i²
        return (x * x).matmul(weight.sum(axis: 1).reshape([i, k]))
    }
}

/// Tensor reduction whose weight is a plain tensor: it computes, but nothing can see the weight.
final class PlainPropertyReduction: Module {
    let weight: Tensor
    init(_ i: Int, _ k: Int) {
        weight = Tensor.uniform([i, i, k], low: -1 / Double(i), high: 1 / Double(i))
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor { outerReduction(x, weight.to(x.dtype)) }
}

/// Tensor reduction that squeezes its input "to drop the batch axis": for a batch of one it
/// drops the batch axis too, and the GEMM stops on the shapes.
final class SqueezingReduction: ReductionWeight {
    override func forward(_ x: Tensor) -> Tensor {
        let i = weight.shape[0], k = weight.shape[2]
        let xs = x.squeeze()
        let outer = xs.unsqueeze(-1) * xs.unsqueeze(-2)
        return outer.reshape([xs.shape[0], -1]).matmul(weight.reshape([i * i, k])).reshape(Array(x.shape.dropLast()) + [k])
    }
}

/// Tensor reduction computed in float32 whatever the input's dtype.
final class Float32Reduction: ReductionWeight {
    override func forward(_ x: Tensor) -> Tensor { outerReduction(x.to(.float32), weight.to(.float32)).to(x.dtype) }
}

/// Tensor reduction whose outer products are reshaped `[in·in, batch]` and transposed: the
/// shape is right, but every row mixes numbers from several rows of the batch.
final class RowMixingReduction: ReductionWeight {
    override func forward(_ x: Tensor) -> Tensor {
        let i = weight.shape[0], k = weight.shape[2]
        let outer = (x.unsqueeze(-1) * x.unsqueeze(-2)).reshape([i * i, -1]).T
        return outer.matmul(weight.reshape([i * i, k])).reshape(Array(x.shape.dropLast()) + [k])
    }
}

/// Tensor reduction with a Dropout left in forward: two calls on the same input differ.
final class DropoutReduction: ReductionWeight {
    let dropout = Dropout(p: 0.5)
    override func forward(_ x: Tensor) -> Tensor { dropout(outerReduction(x, weight)) }
}

/// Tensor reduction that "symmetrises" W, since only its symmetric part matters for x_i x_j,
/// but forgets the ½: `Σ_ij (W_ijk + W_jik) x_i x_j`, twice the output at every size.
final class SymmetrisedReduction: ReductionWeight {
    override func forward(_ x: Tensor) -> Tensor { outerReduction(x, weight + weight.permute([1, 0, 2])) }
}

/// Tensor reduction with a ReLU on the result, as MyLinear has: `relu(Σ_ij W_ijk x_i x_j)`.
final class ReLUReduction: ReductionWeight {
    override func forward(_ x: Tensor) -> Tensor { outerReduction(x, weight).relu() }
}

/// Tensor reduction with a weight `[in, out]` (a linear layer on x²): 12 numbers, not 48.
final class InByOutReduction: Module {
    let weight: Parameter
    init(_ i: Int, _ k: Int) {
        weight = Parameter(Tensor.uniform([i, k], low: -1 / Double(i), high: 1 / Double(i)))
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor { (x * x).matmul(weight) }
}
