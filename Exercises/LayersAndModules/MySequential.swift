/// The book's hand-written `Sequential`: children registered under "0", "1", … with
/// `addModule` (PyTorch's `add_module(str(idx), module)`), run in order.
///
///     let net = MySequential(Linear(20, 256), ReLU(), Linear(256, 10))
///     net.namedParameters().map(\.0)   // ["0.weight", "0.bias", "2.weight", "2.bias"]
open class MySequential: Module {
    /// Registers each module as a child named by its position.
    public convenience init(_ modules: Module...) { self.init(modules) }

    /// Registers each module of the array as a child named by its position.
    public init(_ modules: [Module]) {
        super.init()
        for (index, module) in modules.enumerated() { addModule(module, named: String(index)) }
    }

    open override func forward(_ x: Tensor) -> Tensor {
        children().reduce(x) { x, block in block(x) }
    }
}
