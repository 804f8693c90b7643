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
            reference: { try myLinearReference($0, in: i, units: u) },
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
            ])
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
            ])
    }
}

/// `relu(x·W + b)` from the candidate's weight (`[in, units]`, or `[units, in]` as
/// `nn.Linear` keeps it — matched by value) and bias.
func myLinearReference(_ input: ReferenceInput, in i: Int, units u: Int) throws -> (Tensor) -> Tensor {
    let params = input.tensors
    guard let weight = params.first(where: { $0.count == i * u }), let bias = params.first(where: { $0 !== weight && $0.count == u }) else {
        throw Failed(figure: "parameters \(params.map(\.shape))",
                     reason: "expected a weight of \(i)×\(u) numbers and a bias of \(u) in Parameter properties")
    }
    let layouts: [(Tensor) -> Tensor] = [
        { x in (x.matmul(weight.reshape([i, u])) + bias).relu() },
        { x in (x.matmul(weight.reshape([u, i]).T) + bias).relu() },
    ]
    return try closestLayout(of: input.candidate, among: layouts, probe: [4, i])
}
