/// The book's nested block: a `Sequential` of two layers inside a module, then a linear
/// layer (D2L 5.1, `NestMLP`).
open class NestMLP: Module {
    /// `Sequential(Linear(20, 64), ReLU(), Linear(64, 32), ReLU())`.
    public let net = Sequential(Linear(20, 64), ReLU(), Linear(64, 32), ReLU())
    /// `Linear(32, 16)`.
    public let linear = Linear(32, 16)

    /// The book's sizes.
    public override init() { super.init() }

    open override func forward(_ x: Tensor) -> Tensor { linear(net(x)) }
}

/// The book's `chimera`: modules of every kind mixed in one `Sequential`, here with the
/// Japanese edition's `LazyLinear(20)` in the middle.
///
///     let net = chimera()
///     let y = net(Tensor.rand([2, 20]))     // a 0-d tensor: FixedHiddenMLP ends in a sum
public func chimera(generator: Generator? = nil) -> Sequential {
    Sequential(NestMLP(), LazyLinear(outFeatures: 20), FixedHiddenMLP(generator: generator))
}
