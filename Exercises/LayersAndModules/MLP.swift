/// The book's first custom block: a 256-unit ReLU hidden layer and a 10-unit output layer
/// (D2L 5.1, `class MLP(nn.Module)`).
///
///     let net = MLP()
///     let y = net(Tensor.rand([2, 20]))     // [2, 10]
open class MLP: Module {
    /// The hidden layer, 20 → 256.
    public let hidden: Linear
    /// The output layer, 256 → 10.
    public let out: Linear

    /// The book's sizes: 20 inputs, 256 hidden units, 10 outputs.
    public init(inFeatures: Int = 20, hiddenFeatures: Int = 256, outFeatures: Int = 10) {
        hidden = Linear(inFeatures: inFeatures, outFeatures: hiddenFeatures)
        out = Linear(inFeatures: hiddenFeatures, outFeatures: outFeatures)
        super.init()
    }

    open override func forward(_ x: Tensor) -> Tensor { out(hidden(x).relu()) }
}
