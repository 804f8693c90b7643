import LayerKit

/// Weight as [out, in, in]; one quadratic form x·W_k·xᵀ per output; debug prints.
final class QuadraticForms: Module {
    let kernel: Parameter

    init(inFeatures: Int, outFeatures: Int) {
        kernel = Parameter(Tensor.randn([outFeatures, inFeatures, inFeatures]))
        super.init()
    }

    override func forward(_ x: Tensor) -> Tensor {
        print("forward: x \(x.shape)")
        let columns = (0..<kernel.shape[0]).map { k in
            (x.matmul(kernel.select(axis: 0, index: k)) * x).sum(axis: -1, keepDims: true)
        }
        return Tensor.concat(columns, axis: -1)
    }
}

let answer = QuadraticForms.init(inFeatures:outFeatures:)
