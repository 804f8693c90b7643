import Exercises
import LayerKit

extension ExerciseDefinition {
    /// Layers and Modules: the book's `MySequential`, blocks registered as children "0", "1", ….
    static var mySequential: ExerciseDefinition {
        func linear(_ i: Int, _ o: Int) -> Linear { Linear(i, o, dtype: .float64) }
        // Any number of blocks, of mixed kinds: the exercise promises the order for all of them.
        // Past ten blocks, names compared as text ("10" < "2") stop being the order given; the
        // twelve are square, so that every order of them can run.
        let counts = [
            ValueCase(label: "1 block", arguments: { SpecArguments(blocks: [linear(6, 3)]) }, inputShape: [4, 6]),
            ValueCase(label: "2 blocks", arguments: { SpecArguments(blocks: [Sequential(linear(6, 4), ReLU()), linear(4, 3)]) },
                      inputShape: [4, 6]),
            ValueCase(label: "5 blocks", arguments: {
                SpecArguments(blocks: [linear(6, 5), ReLU(), Sequential(linear(5, 5), ReLU()), linear(5, 4), ReLU()])
            }, inputShape: [4, 6]),
            ValueCase(label: "12 blocks", arguments: {
                SpecArguments(blocks: [linear(4, 4), ReLU(), linear(4, 4), Sequential(linear(4, 4), ReLU()), linear(4, 4), ReLU(),
                                       linear(4, 4), linear(4, 4), ReLU(), linear(4, 4), Sequential(linear(4, 4), ReLU(), linear(4, 4)),
                                       linear(4, 4)])
            }, inputShape: [4, 4]),
        ]
        let spec = LayerSpec(
            makeArguments: { SpecArguments(blocks: [linear(6, 5), ReLU(), linear(5, 3)]) },
            inputShape: [4, 6],
            shapeCases: [exactShape([4, 6], [4, 3]), exactShape([1, 6], [1, 3])],
            reference: { input in { x in input.arguments.blocks.reduce(x) { x, block in block(x) } } },
            valuesHint: "run the blocks in the order given, each on the previous one's output",
            parameters: { parameters, arguments in
                try registered(arguments.blockParameters, in: parameters, hint: "register each block with addModule(block, named: String(index))")
            },
            extra: [
                Criterion(.stateDictNames) { session in
                    let keys = try session.build(SpecArguments(blocks: [linear(6, 5), ReLU(), linear(5, 3)])).stateDict().map(\.0)
                    let want = ["0.weight", "0.bias", "2.weight", "2.bias"]
                    guard keys == want else { throw Failed(figure: "keys \(keys)", reason: stateDictNamesReason(keys, want: want)) }
                    return "keys \(keys), as nn.Sequential"
                },
            ],
            sizeProbes: [.batch(4, 6)],
            namedMistake: { blockOrder($0) },
            moreValueCases: counts,
            valuesLabel: "3 blocks")
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
                Candidate.mySequential("sorted-by-name", summary: "runs the children sorted by name as text: \"10\" before \"2\"") { blocks in
                    NameSortedSequential(blocks)
                }.asKnownWrong(failing: .values),
                Candidate.mySequential("registered-twice", summary: "stores the blocks in an array property and also adds each with addModule") { blocks in
                    TwiceRegisteredSequential(blocks)
                }.asKnownWrong(failing: .stateDictNames),
            ])
    }
}

/// Why a MySequential's state dict keys are not `want` (nn.Sequential's names, block i's
/// parameters under "i."), read from how the keys relate to `want`: a key is `want`'s with a
/// prefix. Every block under its index *and* again under a module property (`order.0.weight`
/// beside `0.weight`) is a double registration; under a property only, a missing `addModule`;
/// no keys, no registration. Anything else is described, not guessed at.
func stateDictNamesReason(_ keys: [String], want: [String]) -> String {
    if keys.isEmpty {
        return "the state dict is empty: the blocks are not registered, so nothing of them is saved — register block i as a child named \"i\" (addModule(block, named: String(i)), PyTorch's add_module)"
    }
    var covered: [String: Set<String>] = [:]
    for key in keys {
        for w in want where key.hasSuffix(w) {
            let prefix = String(key.dropLast(w.count))
            if prefix.isEmpty || prefix.hasSuffix(".") { covered[prefix, default: []].insert(w) }
        }
    }
    let complete = covered.filter { $0.value.count == want.count }.map(\.key).sorted()
    let explained = Set(complete.flatMap { prefix in want.map { prefix + $0 } })
    let unexplained = keys.filter { !explained.contains($0) }
    let properties = complete.filter { !$0.isEmpty }
    guard unexplained.isEmpty, !properties.isEmpty else {
        return "expected the keys \(want) — block i's parameters under \"i.\", as nn.Sequential names them — got \(keys)"
    }
    let named = properties.map { "`\($0.dropLast())` (keys \($0)\(want[0]) …)" }.joined(separator: " and ")
    if complete.contains("") {
        return "every block is registered twice: under its index by addModule (keys \(want[0]) …) and again under \(named), a module property holding the blocks (a stored [Module] array, a ModuleList or a Sequential), which registers them too — the state dict holds every weight twice: keep only the addModule registration (iterate children() in forward)"
    }
    return "the blocks are registered only under \(named), a module property holding them, not as children of their own: nn.Sequential names them \(want.joined(separator: ", ")) — register block i as a child named \"i\" (addModule(block, named: String(i))) instead"
}

/// Names a MySequential output that runs the grader's blocks in another order: by their
/// indices sorted as text (0, 1, 10, 11, 2, …) or reversed. Each order is tried only when its
/// blocks' sizes chain, and named only when it reproduces the output exactly.
func blockOrder(_ trial: Trial) -> String? {
    let blocks = trial.arguments.blocks, count = blocks.count
    guard count > 1 else { return nil }
    let textual = (0..<count).map(String.init).sorted().compactMap { Int($0) }
    let orders: [([Int], String)] = [
        (textual, "in the order of their names sorted as text (\(textual.prefix(5).map(String.init).joined(separator: ", ")), …), not in the order given: iterate them in the order they were added — names compared as strings put \"10\" before \"2\""),
        (Array((0..<count).reversed()), "in reverse order: block 0 runs first"),
    ]
    let got = trial.got.to(.float64).doubles()
    for (order, words) in orders where order != Array(0..<count) && chains(order.map { blocks[$0] }, from: trial.x.shape.last ?? 0) {
        let y = withNoGrad { order.reduce(trial.x) { x, index in blocks[index](x) } }
        if sameEntries(got, y.doubles()) { return "the blocks ran \(words)" }
    }
    return nil
}

/// Whether `blocks` can run one after the other on an input of `width` features (the grader's
/// blocks: Linear, ReLU, Sequential of them), so that trying an order cannot stop the grader.
func chains(_ blocks: [Module], from width: Int) -> Bool {
    func output(_ block: Module, _ width: Int) -> Int? {
        switch block {
        case let linear as Linear: return linear.weight.shape[1] == width ? linear.weight.shape[0] : nil
        case is ReLU: return width
        case let sequential as Sequential:
            return sequential.children().reduce(Optional(width)) { width, child in width.flatMap { output(child, $0) } }
        default: return nil
        }
    }
    return blocks.reduce(Optional(width)) { width, block in width.flatMap { output(block, $0) } } != nil
}

// MARK: - Known-wrong answers

/// MySequential that registers its blocks by index, as the book does, but runs its children
/// sorted by name as text: right for up to ten blocks, then "10" and "11" run before "2".
final class NameSortedSequential: Module {
    init(_ blocks: [Module]) {
        super.init()
        for (index, block) in blocks.enumerated() { addModule(block, named: String(index)) }
    }
    override func forward(_ x: Tensor) -> Tensor {
        namedChildren().sorted { $0.0 < $1.0 }.reduce(x) { x, child in child.1(x) }
    }
}

/// MySequential that keeps its blocks in a stored array to run them, and also adds each with
/// `addModule` as the book does: reflection registers the array too, so every block is in the
/// state dict twice, as `order.0.weight` … and `0.weight` ….
final class TwiceRegisteredSequential: Module {
    let order: [Module]
    init(_ blocks: [Module]) {
        order = blocks
        super.init()
        for (index, block) in blocks.enumerated() { addModule(block, named: String(index)) }
    }
    override func forward(_ x: Tensor) -> Tensor { order.reduce(x) { x, block in block(x) } }
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
