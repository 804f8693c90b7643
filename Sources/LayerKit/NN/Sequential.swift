/// Modules applied one after another, each to the previous one's output (PyTorch's
/// `nn.Sequential`). Children are named `"0"`, `"1"`, … unless given names.
///
///     let net = Sequential(Linear(20, 256), ReLU(), Linear(256, 10))
///     let y = net(Tensor.rand([2, 20]))
///     net[2, as: Linear.self].bias      // the last layer's bias
///     print(net)
///     // Sequential(
///     //   (0): Linear(in_features=20, out_features=256, bias=True)
///     //   (1): ReLU()
///     //   (2): Linear(in_features=256, out_features=10, bias=True)
///     // )
///
/// Indices may be negative, counting from the end, as in Python (`net[-1]`).
open class Sequential: IndexedModules {
    /// The modules in order.
    public convenience init(_ modules: Module...) { self.init(modules) }

    /// The modules in order, from an array.
    public override init(_ modules: [Module]) { super.init(modules) }

    /// Named modules in order (PyTorch's `Sequential(OrderedDict(...))`).
    ///
    ///     Sequential(named: [("hidden", Linear(4, 8)), ("act", ReLU())])
    public override init(named modules: [(String, Module)]) { super.init(named: modules) }

    /// A new `Sequential` holding the modules in `range` (the same objects), renumbered from
    /// 0, as PyTorch's slicing.
    public final subscript(range: Range<Int>) -> Sequential {
        Sequential(Array(layers[range]))
    }

    /// Each module applied to the previous one's output.
    open override func forward(_ x: Tensor) -> Tensor {
        var x = x
        for m in layers { x = m(x) }
        return x
    }
}
