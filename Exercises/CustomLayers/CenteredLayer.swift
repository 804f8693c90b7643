/// A layer without parameters that subtracts the mean of its input (D2L "Custom Layers").
///
///     CenteredLayer()(Tensor([1, 2, 3, 4, 5]))   // tensor([-2., -1.,  0.,  1.,  2.])
open class CenteredLayer: Module {
    /// The layer has no state.
    public override init() { super.init() }

    open override func forward(_ x: Tensor) -> Tensor { x - x.mean() }
}
