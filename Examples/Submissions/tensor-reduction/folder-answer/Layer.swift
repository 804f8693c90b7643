import LayerKit

final class SplitReduction: Module {
    let weight: Parameter
    let bias: Parameter
    init(_ i: Int, _ k: Int) {
        weight = Parameter(Tensor.uniform([i, i, k], low: -0.5, high: 0.5))
        bias = Parameter(Tensor.zeros([k]))
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor { reduce(x, weight) + bias }
}
