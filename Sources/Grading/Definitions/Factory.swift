import Exercises
import LayerKit
import LayerKitChild

extension ExerciseDefinition {
    /// Layers and Modules, exercise 3: `count` independent instances from a factory, stacked.
    static var factory: ExerciseDefinition {
        let count = 3
        let arguments = SpecArguments(count: count, maker: .freshLinear(4, 4))
        let spec = LayerSpec(
            makeArguments: { arguments },
            inputShape: [5, 4],
            shapeCases: [exactShape([5, 4], [5, 4]), exactShape([1, 4], [1, 4])],
            reference: { input in
                let blocks = linearBlocks(input.parameters)
                guard blocks.count == count else {
                    let calls = input.candidate.makerCalls
                    throw Failed(figure: "\(blocks.count) distinct block(s)",
                                 reason: calls < count
                                    ? "the network holds \(blocks.count) distinct instance(s) from \(calls) call(s) of the factory; n = \(count) needs \(count) (see `independent instances`)"
                                    : "expected \(count) separate instances: call the factory closure once per instance")
                }
                return { x in blocks.reduce(x) { x, block in x.matmul(block.weight.T) + block.bias } }
            },
            valuesHint: "the larger network should run the instances in sequence",
            parameters: { parameters, _ in
                let total = parameters.map(\.1.count).reduce(0, +)
                guard parameters.count == 2 * count, total == count * 20 else {
                    throw Failed(figure: "\(parameters.count) distinct parameters, \(total) numbers",
                                 reason: "the network holds \(linearBlocks(parameters).count) distinct instance(s); the exercise asks for n = \(count) (\(2 * count) parameters, \(count * 20) numbers from \(count) Linear(4, 4))")
                }
                return "\(parameters.count) distinct parameters, \(total) numbers"
            },
            extra: [
                Criterion(.independentInstances) { session in
                    // n = 3 first (its reasons are the ones asserted), then other n a learner may use.
                    for n in [count, 1, 2, 5] {
                        let module = try session.build(SpecArguments(count: n, maker: .freshLinear(4, 4)))
                        let distinct = try module.namedParameters().count
                        let figure = "n = \(n): factory called \(module.makerCalls)×, \(distinct) distinct parameters"
                        guard module.makerCalls == n else {
                            throw Failed(figure: figure,
                                         reason: module.makerCalls == 1 && distinct == 2 && n > 1
                                            ? "the instances share parameters (the same object reused): call the factory once per instance"
                                            : "the factory was called \(module.makerCalls) time(s); the network needs n = \(n) instances: call it exactly n times (check the loop's range)")
                        }
                        guard distinct == 2 * n else {
                            throw Failed(figure: figure, reason: "the instances share parameters (the same object reused): call the factory once per instance")
                        }
                    }
                    return "factory called n times, 2n distinct parameters, none shared, for n = \(count), 1, 2, 5"
                },
            ],
            sizeProbes: [.batch(5, 7)])
        return ExerciseDefinition(
            exercise: .factory,
            title: "n independent instances of a block, stacked into a larger network (Layers and Modules, ex. 3)",
            contract: Contract(signature: .countAndMaker, arguments: "the number of instances n and a closure making one block",
                               swiftExample: "func answer(_ n: Int, _ makeBlock: () -> Module) -> Module { … }",
                               pythonExample: "def answer(n, make_block): …", pythonCall: "answer(n, make_block)"),
            spec: spec,
            references: [
                Candidate.factory("stackInstances", summary: "Exercises.stackInstances") { n, make in stackInstances(n, make) }.asReference(),
            ],
            knownWrong: [
                Candidate.factory("same-instance", summary: "returns one instance n times (shared parameters)") { n, make in
                    let block = make()
                    return Sequential(Array(repeating: block, count: n))
                }.asKnownWrong(failing: .independentInstances),
                Candidate.factory("one-instance-short", summary: "loops over 1..<n: n − 1 instances") { n, make in
                    Sequential((1..<n).map { _ in make() })
                }.asKnownWrong(failing: .independentInstances),
            ])
    }
}

/// The linear blocks among a candidate's parameters, in order: each `….weight` with the
/// `….bias` of the same module.
func linearBlocks(_ parameters: [(String, Tensor)]) -> [(weight: Tensor, bias: Tensor)] {
    parameters.compactMap { name, weight in
        guard name == "weight" || name.hasSuffix(".weight") else { return nil }
        let biasName = String(name.dropLast("weight".count)) + "bias"
        return parameters.first { $0.0 == biasName }.map { (weight, $0.1) }
    }
}
