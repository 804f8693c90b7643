import LayerKit

// Mistakes whose output is a recognisable transformation of the right one. Each proves one
// diagnosis of `Diagnosis.swift`: the grader must name the mistake, not only reject it.

/// `y_k = Σ_ij W_ijk x_i x_j` for weight `[in, in, out]`, as one GEMM on the outer products.
func outerReduction(_ x: Tensor, _ w: Tensor) -> Tensor {
    let i = w.shape[0], k = w.shape[2]
    let outer = (x.unsqueeze(-1) * x.unsqueeze(-2)).reshape([-1, i * i])
    return outer.matmul(w.reshape([i * i, k])).reshape(Array(x.shape.dropLast()) + [k])
}

/// The leading n/2 coefficients of the last axis as (re, im) pairs.
func leadingHalf(_ x: Tensor) -> Tensor { x.rfft().narrow(axis: -2, start: 0, length: (x.shape.last ?? 1) / 2) }

/// Fourier scaled by a constant depending on n: numpy's `norm="ortho"` (1/√n) or `norm="forward"` (1/n).
final class NormalisedFourier: Module {
    let scale: @Sendable (Int) -> Double
    init(scale: @escaping @Sendable (Int) -> Double) {
        self.scale = scale
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor { leadingHalf(x) * scale(x.shape.last ?? 1) }
}

/// Fourier with e^{+iωt}: every imaginary part has the wrong sign.
final class ConjugatedFourier: Module {
    override func forward(_ x: Tensor) -> Tensor { leadingHalf(x) * Tensor([1.0, -1.0], dtype: x.dtype) }
}

/// Fourier returning (im, re) pairs.
final class SwappedFourier: Module {
    override func forward(_ x: Tensor) -> Tensor {
        let s = leadingHalf(x)
        return Tensor.stack([s.select(axis: -1, index: 1), s.select(axis: -1, index: 0)], axis: -1)
    }
}

/// Fourier that allocates the result and never fills it.
final class ZeroFourier: Module {
    override func forward(_ x: Tensor) -> Tensor { Tensor.zeros(leadingHalf(x).shape, dtype: x.dtype) }
}

/// Tensor reduction computed in float32 whatever the input's dtype.
final class Float32Reduction: ReductionWeight {
    override func forward(_ x: Tensor) -> Tensor { outerReduction(x.to(.float32), weight.to(.float32)).to(x.dtype) }
}

/// Tensor reduction whose outer products are reshaped `[in·in, batch]` and transposed: the
/// shape is right, but every row mixes numbers from several rows of the batch.
final class RowMixingReduction: ReductionWeight {
    override func forward(_ x: Tensor) -> Tensor {
        let i = weight.shape[0], k = weight.shape[2]
        let outer = (x.unsqueeze(-1) * x.unsqueeze(-2)).reshape([i * i, -1]).T
        return outer.matmul(weight.reshape([i * i, k])).reshape(Array(x.shape.dropLast()) + [k])
    }
}

/// Tensor reduction with a Dropout left in forward: two calls on the same input differ.
final class DropoutReduction: ReductionWeight {
    let dropout = Dropout(p: 0.5)
    override func forward(_ x: Tensor) -> Tensor { dropout(outerReduction(x, weight)) }
}

/// Tensor reduction with a weight `[in, out]` (a linear layer on x²): 12 numbers, not 48.
final class InByOutReduction: Module {
    let weight: Parameter
    init(_ i: Int, _ k: Int) {
        weight = Parameter(Tensor.uniform([i, k], low: -1 / Double(i), high: 1 / Double(i)))
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor { (x * x).matmul(weight) }
}
