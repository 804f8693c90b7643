import LayerKit

/// Builds every pairwise outer product of a huge batch "to be fast": asks for 50 GiB.
final class HogReduction: Module {
    let weight: Parameter
    init(_ i: Int, _ k: Int) {
        weight = Parameter(Tensor.randn([i, i, k]))
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor {
        let cache = Tensor.zeros([50 << 30 / 4])
        let i = weight.shape[0], k = weight.shape[2]
        let outer = (x.unsqueeze(-1) * x.unsqueeze(-2)).reshape([-1, i * i])
        return outer.matmul(weight.reshape([i * i, k])).reshape(Array(x.shape.dropLast()) + [k]) + cache.sum()
    }
}

let answer = HogReduction.init
