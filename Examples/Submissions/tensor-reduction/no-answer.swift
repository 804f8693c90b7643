import LayerKit

// let answer = Forgotten.init   (commented out)
final class Forgotten: Module {
    override func forward(_ x: Tensor) -> Tensor { x }
}
