import LayerKit

// Mistakes learners really make, each as a layer. The grader must reject each one for the
// right reason (see `knownWrongAnswers`).

/// Fourier: keeps only the real parts, `rfft(x).real[..., :n/2]` — the phase is lost.
final class RealPartFourier: Module {
    override func forward(_ x: Tensor) -> Tensor {
        let n = x.shape.last ?? 1
        return x.rfft().narrow(axis: -2, start: 0, length: n / 2).select(axis: -1, index: 0)
    }
}

/// Fourier: returns all n coefficients of the full DFT (the upper half mirrors the lower:
/// `X_{n-k} = conj(X_k)`), instead of the leading half.
final class AllCoefficientsFourier: Module {
    override func forward(_ x: Tensor) -> Tensor {
        let n = x.shape.last ?? 1, spectrum = x.rfft()
        let conjugate = Tensor([1.0, -1.0], dtype: x.dtype)
        let mirrored = stride(from: (n - 1) / 2, through: 1, by: -1).map {
            spectrum.narrow(axis: -2, start: $0, length: 1) * conjugate
        }
        return Tensor.concat([spectrum] + mirrored, axis: -2)
    }
}

/// Fourier: transforms axis 0 (`torch.fft.rfft(x, dim=0)`) instead of the last axis.
final class WrongAxisFourier: Module {
    override func forward(_ x: Tensor) -> Tensor {
        let n = x.shape[0], moved = x.rank > 1 ? x.transpose(0, x.rank - 1) : x
        let spectrum = moved.rfft().narrow(axis: -2, start: 0, length: n / 2)  // [..., m, 2] with axis 0 last
        return spectrum.rank > 2 ? spectrum.transpose(0, spectrum.rank - 2) : spectrum
    }
}

/// What the wrong tensor reductions share: a registered weight `[in, in, out]`, initialised
/// like the reference's.
class ReductionWeight: Module {
    let weight: Parameter
    init(_ i: Int, _ k: Int) {
        weight = Parameter(Tensor.uniform([i, i, k], low: -1 / Double(i), high: 1 / Double(i)))
        super.init()
    }
}

/// Tensor reduction with `W_ijk x_i x_i`: one index on x where there should be two.
final class SameIndexReduction: ReductionWeight {
    override func forward(_ x: Tensor) -> Tensor {
        let i = weight.shape[0], k = weight.shape[2]
        // Σ_ij W_ijk x_i x_i = Σ_i (Σ_j W_ijk) x_i²
        return (x * x).matmul(weight.sum(axis: 1).reshape([i, k]))
    }
}

/// Tensor reduction whose weight is a plain tensor: it computes, but nothing can see the weight.
final class PlainPropertyReduction: Module {
    let weight: Tensor
    init(_ i: Int, _ k: Int) {
        weight = Tensor.uniform([i, i, k], low: -1 / Double(i), high: 1 / Double(i))
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor { outerReduction(x, weight.to(x.dtype)) }
}

/// Tensor reduction that squeezes its input "to drop the batch axis": for a batch of one it
/// drops the batch axis too, and the GEMM stops on the shapes.
final class SqueezingReduction: ReductionWeight {
    override func forward(_ x: Tensor) -> Tensor {
        let i = weight.shape[0], k = weight.shape[2]
        let xs = x.squeeze()
        let outer = xs.unsqueeze(-1) * xs.unsqueeze(-2)
        return outer.reshape([xs.shape[0], -1]).matmul(weight.reshape([i * i, k])).reshape(Array(x.shape.dropLast()) + [k])
    }
}

/// Parallel that detaches the second branch "to save memory": its output is right, but
/// net2 never learns.
final class DetachedBranchParallel: Module {
    let net1: Module, net2: Module
    init(_ net1: Module, _ net2: Module) {
        self.net1 = net1
        self.net2 = net2
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor { Tensor.concat([net1(x), net2(x).detach()], axis: -1) }
}

/// CenteredLayer that subtracts each row's mean instead of the mean of all elements.
final class RowCenteredLayer: Module {
    override func forward(_ x: Tensor) -> Tensor { x - x.mean(axis: -1, keepDims: true) }
}
