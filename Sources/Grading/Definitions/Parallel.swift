import Exercises
import LayerKit

extension ExerciseDefinition {
    /// Layers and Modules, exercise 2: `Parallel(net1, net2)` concatenating both outputs.
    static var parallel: ExerciseDefinition {
        func arguments() -> SpecArguments {
            SpecArguments(blocks: [Linear(6, 4, dtype: .float64), Sequential(Linear(6, 3, dtype: .float64), ReLU())])
        }
        let spec = LayerSpec(
            makeArguments: arguments,
            inputShape: [5, 6],
            shapeCases: [exactShape([5, 6], [5, 7]), exactShape([1, 6], [1, 7]), exactShape([2, 3, 6], [2, 3, 7])],
            reference: { input in
                let blocks = input.arguments.blocks
                return { x in Tensor.concat([blocks[0](x), blocks[1](x)], axis: -1) }
            },
            valuesHint: "concatenate net1(x) and net2(x) along the last (feature) axis, net1 first",
            parameters: { parameters, arguments in
                try registered(arguments.blockParameters, in: parameters, hint: "store net1 and net2 in Module properties")
            },
            extra: [
                Criterion(.bothBranchesGetGradients) { session in
                    let module = try session.build(arguments())
                    let x = Tensor.randn([5, 6], dtype: .float64)
                    // The gradient of sum(y²) is 2y.
                    let y = try module(x)
                    let grads = try module.gradients(at: x, seeds: [y * 2])
                    for (name, grad) in zip(grads.blockParameterNames, grads.items[0].blockParameters)
                    where (grad?.abs().sum().item() ?? 0) == 0 {
                        let branch = Int(name.prefix { $0 != "." }) ?? 0
                        throw Failed(figure: "net\(branch + 1).\(name.drop { $0 != "." }.dropFirst()) has no gradient",
                                     reason: "no gradient reached net\(branch + 1): use its output in the graph (no .detach()) and concatenate, don't overwrite")
                    }
                    return "all \(grads.blockParameterNames.count) parameters of net1 and net2 have non-zero gradients"
                },
            ],
            sizeProbes: [.batch(5, 7)])
        return ExerciseDefinition(
            exercise: .parallel,
            title: "Parallel(net1, net2): both outputs concatenated on the feature axis (Layers and Modules, ex. 2)",
            contract: Contract(signature: .pair, arguments: "net1 and net2", swiftExample: "let answer = Parallel.init",
                               pythonExample: "answer = Parallel", pythonCall: "answer(net1, net2)"),
            spec: spec,
            references: [
                Candidate.parallel("Parallel", summary: "Exercises.Parallel") { Parallel($0, $1) }.asReference(),
            ],
            knownWrong: [
                Candidate.parallel("detached-branch", summary: "detaches net2's output: net2 never learns") { a, b in
                    DetachedBranchParallel(a, b)
                }.asKnownWrong(failing: .bothBranchesGetGradients),
            ])
    }
}

// MARK: - Known-wrong answers

/// Parallel that detaches the second branch "to save memory": its output is right, but
/// net2 never learns.
final class DetachedBranchParallel: Module {
    let net1: Module, net2: Module
    init(_ net1: Module, _ net2: Module) {
        self.net1 = net1
        self.net2 = net2
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor { Tensor.concat([net1(x), net2(x).detach()], axis: -1) }
}
