/// Exercise 5.1.2: two networks side by side on the same input, their outputs concatenated
/// along the feature (last) axis. Gradients reach both branches.
///
///     let net = Parallel(Linear(20, 8), Sequential(Linear(20, 4), ReLU()))
///     net(Tensor.rand([2, 20])).shape     // [2, 12]
open class Parallel: Module {
    /// The first branch.
    public let net1: Module
    /// The second branch.
    public let net2: Module

    /// Runs `net1` and `net2` on the same input.
    public init(_ net1: Module, _ net2: Module) {
        self.net1 = net1
        self.net2 = net2
        super.init()
    }

    open override func forward(_ x: Tensor) -> Tensor {
        Tensor.concat([net1(x), net2(x)], axis: -1)
    }
}
