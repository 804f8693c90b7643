import Exercises
import LayerKit

extension ExerciseDefinition {
    /// Custom Layers: `MyLinear(inUnits, units)`, `relu(X·W + b)` with trainable `W`, `b`.
    static var myLinear: ExerciseDefinition {
        let i = 5, u = 3
        let spec = LayerSpec(
            makeArguments: { SpecArguments(sizes: [i, u]) },
            inputShape: [8, i],
            shapeCases: [exactShape([8, i], [8, u]), exactShape([1, i], [1, u]), exactShape([2, 3, i], [2, 3, u])],
            reference: { try myLinearReference($0) },
            valuesHint: "expected relu(X·W + b)",
            parameters: { parameters, _ in
                let shapes = parameters.map(\.1.shape), total = parameters.map(\.1.count).reduce(0, +)
                guard parameters.count == 2, total == i * u + u else {
                    let counts = parameters.map { "\($0.1.count)" }.joined(separator: " + ")
                    throw Failed(figure: "parameters \(shapes)",
                                 reason: (shapes.isEmpty ? "no Parameter found" : "the parameters hold \(counts) numbers")
                                    + "; MyLinear(\(i), \(u)) needs a weight of in·units = \(i)·\(u) = \(i * u) and a bias of units = \(u), both Parameter properties")
                }
                return "parameters \(shapes), \(i * u + u) numbers"
            },
            extra: [
                Criterion(.stacksInSequential) { session in
                    // Sequential(MyLinear(64, 8), MyLinear(8, 1)): the grader chains the two instances.
                    let first = try session.build(SpecArguments(sizes: [64, 8]), precision: .float32)
                    let second = try session.build(SpecArguments(sizes: [8, 1]), precision: .float32)
                    let shape = try second(try first(Tensor.rand([2, 64]))).shape
                    guard shape == [2, 1] else {
                        throw Failed(figure: "output \(shape)", reason: "Sequential(MyLinear(64, 8), MyLinear(8, 1)) must map [2, 64] to [2, 1]")
                    }
                    return "Sequential(MyLinear(64, 8), MyLinear(8, 1)): [2, 64] → \(shape)"
                },
            ],
            sizeProbes: [.batch(8, 6), .sizeArgument("in", meaning: "in_units", index: 0, i, 7),
                         .sizeArgument("units", meaning: "units", index: 1, u, 4)],
            namedMistake: { try myLinearMistake($0) },
            readings: { try myLinearReadings($0) })
        return ExerciseDefinition(
            exercise: .myLinear,
            title: "MyLinear(in_units, units): relu(X·W + b) with trainable W, b (Custom Layers)",
            contract: Contract(signature: .sizes, arguments: "inUnits and units", swiftExample: "let answer = MyLinear.init",
                               pythonExample: "answer = MyLinear", pythonCall: "answer(in_units, units)"),
            spec: spec,
            references: [
                Candidate.myLinear("MyLinear", summary: "Exercises.MyLinear") { MyLinear(inUnits: $0, units: $1) }.asReference(),
            ],
            knownWrong: [
                Candidate.myLinear("detached-weights", summary: "the book's self.weight.data: weights read through detach()") { i, u in
                    BookMyLinear(inUnits: i, units: u)
                }.asKnownWrong(failing: .gradients),
                Candidate.myLinear("relu-missing", summary: "returns x·W + b: the ReLU is left out") { i, u in
                    NoReLULinear(inUnits: i, units: u)
                }.asKnownWrong(failing: .values),
                Candidate.myLinear("bias-after-relu", summary: "returns relu(x·W) + b: the bias added after the activation") { i, u in
                    BiasAfterReLULinear(inUnits: i, units: u)
                }.asKnownWrong(failing: .values),
            ])
    }
}

/// The candidate's weight (`in·units` numbers) and bias (`units`), each of its two possible
/// weight layouts as `[in, units]`: `[in, units]` as the book keeps it, or `[units, in]` as
/// `nn.Linear` does, transposed. The layouts are made when called, so that a gradient
/// requested on the weight after this reaches it.
func myLinearParameters(_ input: ReferenceInput) throws -> (layouts: [() -> Tensor], bias: Tensor) {
    let i = input.arguments.sizes[0], u = input.arguments.sizes[1], params = input.tensors
    guard let weight = params.first(where: { $0.count == i * u }), let bias = params.first(where: { $0 !== weight && $0.count == u }) else {
        throw Failed(figure: "parameters \(params.map(\.shape))",
                     reason: "expected a weight of \(i)×\(u) numbers and a bias of \(u) in Parameter properties")
    }
    return ([{ weight.reshape([i, u]) }, { weight.reshape([u, i]).T }], bias)
}

/// `relu(x·W + b)` from the candidate's weight, in whichever layout reproduces its output
/// (matched by value), and bias.
func myLinearReference(_ input: ReferenceInput) throws -> (Tensor) -> Tensor {
    try closestLayout(of: input.candidate, among: try myLinearReadings(input), probe: [4, input.arguments.sizes[0]])
}

/// `relu(x·W + b)` with the candidate's weight in each of its layouts.
func myLinearReadings(_ input: ReferenceInput) throws -> [(Tensor) -> Tensor] {
    let (layouts, bias) = try myLinearParameters(input)
    return layouts.map { w in { x in (x.matmul(w()) + bias).relu() } }
}

/// Names a MyLinear output that is another function of the pre-activation z = x·W + b than
/// relu(z), checked exactly in both weight layouts: z itself (no ReLU), relu(x·W) + b (the bias
/// after the ReLU), relu(x·W) (no bias), or another element-wise function of z.
func myLinearMistake(_ trial: Trial) throws -> String? {
    let (layouts, bias) = try myLinearParameters(trial.input)
    let got = trial.got.to(.float64).doubles()
    for w in layouts {
        let xw = withNoGrad { trial.x.matmul(w()) }, z = withNoGrad { xw + bias }
        let linear = z.doubles()
        if sameEntries(got, linear) {
            return "the output is x·W + b with no ReLU: MyLinear returns relu(x·W + b) — apply the ReLU"
        }
        if sameEntries(got, withNoGrad { xw.relu() + bias }.doubles()) {
            return "the output is relu(x·W) + b: the bias is added after the ReLU — MyLinear adds it inside, relu(x·W + b)"
        }
        if sameEntries(got, withNoGrad { xw.relu() }.doubles()) {
            return "the output is relu(x·W): the bias is missing — MyLinear computes relu(x·W + b)"
        }
        if let φ = elementwiseFunction(got, of: linear) {
            return "the output is \(φ.written("x·W + b")): \(φ.effect) — MyLinear's activation is the ReLU, relu(x·W + b)"
        }
    }
    return nil
}

// MARK: - Known-wrong answers

/// MyLinear without its activation: `x·W + b`.
final class NoReLULinear: MyLinear {
    override func forward(_ x: Tensor) -> Tensor { x.matmul(weight) + bias }
}

/// MyLinear adding the bias after the activation: `relu(x·W) + b`.
final class BiasAfterReLULinear: MyLinear {
    override func forward(_ x: Tensor) -> Tensor { x.matmul(weight).relu() + bias }
}
