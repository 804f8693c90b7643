/// The book's fully connected layer with ReLU built in, `relu(X·W + b)`, weight `[in, units]`.
///
/// The book's forward reads `self.weight.data`, which cuts the parameters out of the graph:
/// no gradient reaches them and training never changes them. This version uses the
/// parameters themselves, so gradients flow; ``BookMyLinear`` keeps the book's `.data` form
/// to show the difference.
///
///     let net = Sequential(MyLinear(inUnits: 64, units: 8), MyLinear(inUnits: 8, units: 1))
open class MyLinear: Module {
    /// `[inUnits, units]`, standard normal (`torch.randn`).
    public var weight: Parameter
    /// `[units]`, standard normal.
    public var bias: Parameter

    /// A layer from `inUnits` to `units`, initialised from `generator` or the global stream.
    public init(inUnits: Int, units: Int, generator: Generator? = nil) {
        weight = Parameter(Tensor.randn([inUnits, units], generator: generator))
        bias = Parameter(Tensor.randn([units], generator: generator))
        super.init()
    }

    /// `MyLinear(5, 3)`, the book's positional spelling.
    public convenience init(_ inUnits: Int, _ units: Int) { self.init(inUnits: inUnits, units: units) }

    open override var extraDescription: String { "in_units=\(weight.shape[0]), units=\(weight.shape[1])" }

    open override func forward(_ x: Tensor) -> Tensor { (x.matmul(weight) + bias).relu() }
}

/// The book's `MyLinear` verbatim: `F.relu(torch.matmul(X, self.weight.data) + self.bias.data)`.
/// Its outputs equal ``MyLinear``'s, but `.data` (``Tensor/detach()``) stops every gradient
/// before the parameters: after `backward()` their `grad` stays nil.
open class BookMyLinear: MyLinear {
    open override func forward(_ x: Tensor) -> Tensor { (x.matmul(weight.detach()) + bias.detach()).relu() }
}
