/// A stack of linear layers from a list of sizes, kept in a ``ModuleList`` so that every
/// layer's parameters are registered (the blog's `MultiLayer([10, 20, 5])`).
///
///     let model = MultiLayer([10, 20, 5])
///     model(Tensor.randn([32, 10])).shape     // [32, 5]
open class MultiLayer: Module {
    /// `Linear(sizes[i], sizes[i+1])` for each consecutive pair.
    public let layers: ModuleList

    /// Layers between consecutive sizes.
    public init(_ layerSizes: [Int]) {
        layers = ModuleList(zip(layerSizes, layerSizes.dropFirst()).map { Linear($0, $1) as Module })
        super.init()
    }

    open override func forward(_ x: Tensor) -> Tensor { layers.reduce(x) { x, layer in layer(x) } }
}

/// Two branches, one chosen per call (the blog's `ConditionalLayer`): `Linear(10, 5)` each.
/// Both branches' parameters are registered; only the chosen one gets a gradient.
///
/// The blog's `forward(self, x, condition)` is a two-input forward: the layer conforms to
/// ``BinaryModule`` with a `Bool` second input, so `layer(x, condition)` comes with it.
///
///     let layer = ConditionalLayer()
///     layer(x, true)       // branch1
open class ConditionalLayer: Module, BinaryModule {
    /// Used when the condition is true.
    public let branch1: Linear
    /// Used when the condition is false.
    public let branch2: Linear
    /// The branch `forward(_:)` takes when called without a condition (inside a `Sequential`).
    public var condition = true

    /// Two `inFeatures → outFeatures` branches (the blog's 10 → 5 by default).
    public init(inFeatures: Int = 10, outFeatures: Int = 5) {
        branch1 = Linear(inFeatures, outFeatures)
        branch2 = Linear(inFeatures, outFeatures)
        super.init()
    }

    /// Runs `branch1` when `condition` is true, else `branch2`.
    open func forward(_ x: Tensor, _ condition: Bool) -> Tensor {
        condition ? branch1(x) : branch2(x)
    }

    /// `forward(x, condition)` with the stored ``condition``.
    open override func forward(_ x: Tensor) -> Tensor { forward(x, condition) }
}
