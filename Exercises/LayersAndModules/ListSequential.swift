// Exercise 5.1.1: what goes wrong if MySequential keeps its blocks in a plain list?
//
// In PyTorch, a Python list attribute is invisible to `nn.Module`: `parameters()`,
// `state_dict()`, `.to()` and every optimiser miss the blocks' parameters, and printing the
// module shows no children. In LayerKit, reflection does see a stored `[Module]` property —
// its blocks are registered as `blocks.0`, `blocks.1`, … (not `0`, `1`, … as `addModule`
// names them, so state dicts do not line up with PyTorch's `Sequential`). Reflection looks at
// values, so even an `[Any]` whose elements are all modules is found. What it cannot see is a
// module it cannot reach as a value: captured in a closure, inside a tuple or a struct, or in
// an array that mixes modules with other things — which fails exactly as the Python list does.

/// `MySequential` with its blocks in a stored `[Module]` array: LayerKit's reflection finds
/// them, under the names `blocks.0`, `blocks.1`, ….
open class ArraySequential: Module {
    /// The blocks, in order.
    public var blocks: [Module]

    /// The blocks to run in order.
    public convenience init(_ blocks: Module...) { self.init(blocks) }

    /// The blocks to run in order, from an array.
    public init(_ blocks: [Module]) {
        self.blocks = blocks
        super.init()
    }

    open override func forward(_ x: Tensor) -> Tensor { blocks.reduce(x) { x, block in block(x) } }
}

/// `MySequential` with its blocks kept as a list of functions (`[(Tensor) -> Tensor]`), each
/// closing over a module: the Swift twin of the Python-list mistake. It computes the same
/// outputs, but reflection cannot look inside a closure, so its parameters are not in
/// `parameters()` or `stateDict()` and an optimiser never updates them.
open class FunctionListSequential: Module {
    /// The blocks, each hidden inside a closure.
    public var blocks: [(Tensor) -> Tensor]

    /// The blocks to run in order.
    public convenience init(_ blocks: Module...) { self.init(blocks) }

    /// The blocks to run in order, from an array.
    public init(_ blocks: [Module]) {
        self.blocks = blocks.map { block in { block($0) } }
        super.init()
    }

    open override func forward(_ x: Tensor) -> Tensor { blocks.reduce(x) { x, block in block(x) } }
}
