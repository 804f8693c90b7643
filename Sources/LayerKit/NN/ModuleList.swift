/// A list of child modules, registered so that their parameters are found, with no
/// `forward` of its own (PyTorch's `nn.ModuleList`). Children are named `"0"`, `"1"`, ….
///
///     final class Stack: Module {
///         let blocks = ModuleList((0..<3).map { _ in Linear(8, 8) })
///         override func forward(_ x: Tensor) -> Tensor { blocks.reduce(x) { $1($0).relu() } }
///     }
///
/// It prints like PyTorch's, runs of identical modules folded: `(0-1): 2 x Linear(…)`.
open class ModuleList: IndexedModules {
    /// The modules in order.
    public override init(_ modules: [Module] = []) { super.init(modules) }

    /// The modules in order.
    public convenience init(_ first: Module, _ rest: Module...) { self.init([first] + rest) }

    /// PyTorch's `ModuleList.__repr__`: consecutive children that print the same are folded
    /// into one line `(i-j): n x child`.
    open override var description: String {
        let reprs = layers.map(\.description)
        guard !reprs.isEmpty else { return typeName + "()" }
        var runs: [(start: Int, end: Int, repr: String)] = []
        for (i, r) in reprs.enumerated() {
            if let last = runs.last, last.repr == r { runs[runs.count - 1].end = i } else { runs.append((i, i, r)) }
        }
        let lines = runs.map { run in
            Module.indentTail(run.start == run.end ? "(\(run.start)): \(run.repr)"
                : "(\(run.start)-\(run.end)): \(run.end - run.start + 1) x \(run.repr)", by: 2)
        }
        return typeName + "(\n  " + lines.joined(separator: "\n  ") + "\n)"
    }
}
