import Exercises
import Grading

/// My answer to "Custom Layers" exercise 1: y_k = Σ_ij W_ijk x_i x_j, one quadratic form per output.
final class MyReduction: Module {
    let weight: Parameter  // [out, in, in]

    init(_ inFeatures: Int, _ outFeatures: Int) {
        weight = Parameter(Tensor.randn([outFeatures, inFeatures, inFeatures]))
        super.init()
    }

    override func forward(_ x: Tensor) -> Tensor {
        let columns = (0..<weight.shape[0]).map { k in
            (x.matmul(weight.select(axis: 0, index: k)) * x).sum(axis: -1, keepDims: true)
        }
        return Tensor.concat(columns, axis: -1)
    }
}

registerCandidates([
    .tensorReduction("MyReduction") { i, k in MyReduction(i, k) },
])
// The same command as `layerkit grade`, with my candidate added: each candidate still runs
// in a child process (this executable), with the time limit.
GradeCommand.main()
