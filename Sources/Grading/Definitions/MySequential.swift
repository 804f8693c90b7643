import Exercises
import LayerKit

extension ExerciseDefinition {
    /// Layers and Modules: the book's `MySequential`, blocks registered as children "0", "1", ….
    static var mySequential: ExerciseDefinition {
        let spec = LayerSpec(
            makeArguments: {
                SpecArguments(blocks: [Linear(6, 5, dtype: .float64), ReLU(), Linear(5, 3, dtype: .float64)])
            },
            inputShape: [4, 6],
            shapeCases: [exactShape([4, 6], [4, 3]), exactShape([1, 6], [1, 3])],
            reference: { input in { x in input.arguments.blocks.reduce(x) { x, block in block(x) } } },
            valuesHint: "run the blocks in the order given, each on the previous one's output",
            parameters: { parameters, arguments in
                try registered(arguments.blockParameters, in: parameters, hint: "register each block with addModule(block, named: String(index))")
            },
            extra: [
                Criterion(.stateDictNames) { session in
                    let keys = try session.build(SpecArguments(blocks: [Linear(6, 5, dtype: .float64), ReLU(),
                                                                        Linear(5, 3, dtype: .float64)])).stateDict().map(\.0)
                    let want = ["0.weight", "0.bias", "2.weight", "2.bias"]
                    guard keys == want else {
                        throw Failed(figure: "keys \(keys)",
                                     reason: "expected \(want), as nn.Sequential names them: register block i under the name \"i\"")
                    }
                    return "keys \(keys), as nn.Sequential"
                },
            ])
        return ExerciseDefinition(
            exercise: .mySequential,
            title: "MySequential: blocks registered as children \"0\", \"1\", … and run in order (Layers and Modules)",
            contract: Contract(signature: .blocks, arguments: "the blocks, in order", swiftExample: "let answer = MySequential.init",
                               pythonExample: "answer = MySequential", pythonCall: "answer(*blocks)"),
            spec: spec,
            references: [
                Candidate.mySequential("MySequential", summary: "Exercises.MySequential") { MySequential($0) }.asReference(),
            ],
            knownWrong: [
                Candidate.mySequential("unregistered-children", summary: "keeps the blocks in a list of closures, never registered") { blocks in
                    FunctionListSequential(blocks)
                }.asKnownWrong(failing: .parameters),
            ])
    }
}

/// Checks that each of `blocks`' parameters (the grader's own tensors) is among the
/// candidate's, by value, and returns the figure.
func registered(_ blockParameters: [Parameter], in parameters: [(String, Tensor)], hint: String) throws -> String {
    let missing = blockParameters.filter { p in !parameters.contains { sameValues($0.1, p) } }
    guard missing.isEmpty else {
        throw Failed(figure: "\(blockParameters.count - missing.count) of \(blockParameters.count) block parameters registered",
                     reason: "parameters(), stateDict() and optimisers cannot see the blocks: \(hint)")
    }
    return "all \(blockParameters.count) block parameters registered (\(parameters.map(\.1.count).reduce(0, +)) numbers)"
}
