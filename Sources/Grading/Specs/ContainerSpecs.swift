import LayerKit

extension LayerSpec {
    /// Layers and Modules: the book's `MySequential`, blocks registered as children "0", "1", ….
    static var mySequential: LayerSpec {
        LayerSpec(
            exercise: .mySequential,
            makeInput: { BuildInput(blocks: [Linear(6, 5, dtype: .float64), ReLU(), Linear(5, 3, dtype: .float64)]) },
            inputShape: [4, 6],
            shapeCases: [exactShape([4, 6], [4, 3]), exactShape([1, 6], [1, 3])],
            reference: { _, input in { x in input.blocks.reduce(x) { x, block in block(x) } } },
            valuesHint: "run the blocks in the order given, each on the previous one's output",
            parameters: { module, input in try registered(input.blocks, in: module, hint: "register each block with addModule(block, named: String(index))") },
            extra: [
                Criterion(.stateDictNames) { candidate in
                    let (module, _) = try LayerSpec.mySequential.build(candidate)
                    let keys = module.stateDict().map(\.0), want = ["0.weight", "0.bias", "2.weight", "2.bias"]
                    guard keys == want else {
                        throw Failed(figure: "keys \(keys)",
                                     reason: "expected \(want), as nn.Sequential names them: register block i under the name \"i\"")
                    }
                    return "keys \(keys), as nn.Sequential"
                },
            ])
    }

    /// Layers and Modules, exercise 2: `Parallel(net1, net2)` concatenating both outputs.
    static var parallel: LayerSpec {
        LayerSpec(
            exercise: .parallel,
            makeInput: {
                BuildInput(blocks: [Linear(6, 4, dtype: .float64), Sequential(Linear(6, 3, dtype: .float64), ReLU())])
            },
            inputShape: [5, 6],
            shapeCases: [exactShape([5, 6], [5, 7]), exactShape([1, 6], [1, 7]), exactShape([2, 3, 6], [2, 3, 7])],
            reference: { _, input in { x in Tensor.concat([input.blocks[0](x), input.blocks[1](x)], axis: -1) } },
            valuesHint: "concatenate net1(x) and net2(x) along the last (feature) axis, net1 first",
            parameters: { module, input in try registered(input.blocks, in: module, hint: "store net1 and net2 in Module properties") },
            extra: [
                Criterion(.bothBranchesGetGradients) { candidate in
                    let (module, input) = try LayerSpec.parallel.build(candidate)
                    let y = module(Tensor.randn([5, 6], dtype: .float64))
                    (y * y).sum().backward()
                    for (b, block) in input.blocks.enumerated() {
                        for (name, p) in block.namedParameters() where (p.grad?.abs().sum().item() ?? 0) == 0 {
                            throw Failed(figure: "net\(b + 1).\(name) has no gradient",
                                         reason: "no gradient reached net\(b + 1): use its output in the graph (no .detach()) and concatenate, don't overwrite")
                        }
                    }
                    return "all \(input.blocks.flatMap { $0.parameters() }.count) parameters of net1 and net2 have non-zero gradients"
                },
            ])
    }

    /// Layers and Modules, exercise 3: `count` independent instances from a factory, stacked.
    static var factory: LayerSpec {
        let count = 3
        return LayerSpec(
            exercise: .factory,
            makeInput: { BuildInput(count: count, makeBlock: { Linear(4, 4, dtype: .float64) }) },
            inputShape: [5, 4],
            shapeCases: [exactShape([5, 4], [5, 4]), exactShape([1, 4], [1, 4])],
            reference: { module, _ in
                let blocks = module.modules().compactMap { $0 as? Linear }
                guard blocks.count == count else {
                    throw Failed(figure: "\(blocks.count) distinct block(s)",
                                 reason: "expected \(count) separate instances: call the factory closure once per instance")
                }
                return { x in blocks.reduce(x) { x, block in block(x) } }
            },
            valuesHint: "the larger network should run the instances in sequence",
            parameters: { module, _ in
                let params = module.parameters()
                guard params.count == 2 * count, module.parameterCount == count * 20 else {
                    let blocks = Set(module.modules().compactMap { $0 as? Linear }.map(ObjectIdentifier.init)).count
                    throw Failed(figure: "\(params.count) distinct parameters, \(module.parameterCount) numbers",
                                 reason: "the network holds \(blocks) distinct instance(s); the exercise asks for n = \(count) (\(2 * count) parameters, \(count * 20) numbers from \(count) Linear(4, 4))")
                }
                return "\(params.count) distinct parameters, \(module.parameterCount) numbers"
            },
            extra: [
                Criterion(.independentInstances) { candidate in
                    final class Counter { var calls = 0 }
                    let counter = Counter()
                    let input = BuildInput(count: count, makeBlock: { counter.calls += 1; return Linear(4, 4, dtype: .float64) })
                    let module: Module
                    do { module = try candidate.build(input) } catch {
                        throw Failed(figure: "factory threw", reason: "building the network threw: \(error)")
                    }
                    let ids = Set(module.parameters().map(ObjectIdentifier.init))
                    guard counter.calls == count else {
                        throw Failed(figure: "factory called \(counter.calls)×, \(ids.count) distinct parameters",
                                     reason: counter.calls == 1 && ids.count == 2
                                        ? "the instances share parameters (the same object reused): call the factory once per instance"
                                        : "the factory was called \(counter.calls) time(s); the network needs n = \(count) instances: call it exactly n times (check the loop's range)")
                    }
                    guard ids.count == 2 * count else {
                        throw Failed(figure: "factory called \(counter.calls)×, \(ids.count) distinct parameters",
                                     reason: "the instances share parameters (the same object reused): call the factory once per instance")
                    }
                    return "factory called \(count)×, \(ids.count) distinct parameters, none shared"
                },
            ])
    }
}

/// Checks that every parameter of `blocks` is among `module.parameters()`, and returns the figure.
func registered(_ blocks: [Module], in module: Module, hint: String) throws -> String {
    let found = Set(module.parameters().map(ObjectIdentifier.init))
    let wanted = blocks.flatMap { $0.parameters() }
    let missing = wanted.filter { !found.contains(ObjectIdentifier($0)) }
    guard missing.isEmpty else {
        throw Failed(figure: "\(wanted.count - missing.count) of \(wanted.count) block parameters registered",
                     reason: "parameters(), stateDict() and optimisers cannot see the blocks: \(hint)")
    }
    return "all \(wanted.count) block parameters registered (\(module.parameterCount) numbers)"
}
