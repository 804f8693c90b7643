import LayerKit

final class Broken: Module {
    let weight: Parameter
    init(_ i: Int, _ k: Int) {
        weight = Parameter(Tensor.randn([i, i, k]))
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor {
        return x.matmul(weigth)
    }
}

let answer = Broken.init
