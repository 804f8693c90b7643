import LayerKit

/// y_k = Σ_ij W_ijk x_i x_j as one GEMM on the outer products.
func reduce(_ x: Tensor, _ w: Tensor) -> Tensor {
    let i = w.shape[0], k = w.shape[2]
    let outer = (x.unsqueeze(-1) * x.unsqueeze(-2)).reshape([-1, i * i])
    return outer.matmul(w.reshape([i * i, k])).reshape(Array(x.shape.dropLast()) + [k])
}

let answer = SplitReduction.init
