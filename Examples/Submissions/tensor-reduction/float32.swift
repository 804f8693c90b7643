import LayerKit

/// Right formula, but the weight is made without a dtype (float32) and x is cast to match.
final class Float32Reduction: Module {
    let weight: Parameter
    init(_ i: Int, _ k: Int) {
        weight = Parameter(Tensor.randn([i, i, k]))
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor {
        let i = weight.shape[0], k = weight.shape[2]
        let x32 = x.to(.float32)
        let outer = (x32.unsqueeze(-1) * x32.unsqueeze(-2)).reshape([-1, i * i])
        return outer.matmul(weight.to(.float32).reshape([i * i, k])).reshape(Array(x.shape.dropLast()) + [k]).to(x.dtype)
    }
}

let answer = Float32Reduction.init
