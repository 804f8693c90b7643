/// Flattens axes `startAxis…endAxis` into one (PyTorch's `nn.Flatten`), by default every
/// axis but the batch axis: `[N, C, H, W] → [N, C·H·W]`.
///
///     let flat = Flatten()(Tensor.zeros([2, 3, 4]))   // [2, 12]
public final class Flatten: Module {
    /// The first axis flattened.
    public let startAxis: Int
    /// The last axis flattened (negative counts from the end).
    public let endAxis: Int

    /// A flatten layer over `startAxis…endAxis`.
    public init(startAxis: Int = 1, endAxis: Int = -1) {
        self.startAxis = startAxis
        self.endAxis = endAxis
        super.init()
    }

    /// No parameters or children among the stored properties: skip reflection.
    override func knownStoredMembers() -> Members? { Members() }

    /// The input with the axes merged.
    public override func forward(_ x: Tensor) -> Tensor { x.flatten(startAxis: startAxis, endAxis: endAxis) }

    /// `start_dim=1, end_dim=-1`, as PyTorch prints it.
    public override var extraDescription: String { "start_dim=\(startAxis), end_dim=\(endAxis)" }
}
