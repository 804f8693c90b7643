import CKernels

// The exact GELU `x·Φ(x)` and its backward over whole buffers. float32 runs the C kernels
// (`CKernels/dense_body.h`: a branch-free Φ that vectorises, relative error < 1e-6; see
// `KernelScalar`); float64 keeps libm's `erf` and `exp`, the reference values gradient checks need.

/// `x·Φ(x)` with `Φ(x) = ½(1 + erf(x/√2))` through libm's `erf` (the float64 kernel).
struct GeluKernel: UnaryKernel {
    func callAsFunction<T: KernelScalar>(_ x: T) -> T { x * (1 + T.erf(x * T(0.5.squareRoot()))) / 2 }
}

/// `g·(Φ(x) + x·φ(x))`, `φ` the standard normal density (the float64 backward).
struct GeluBackwardKernel: BinaryKernel {
    func callAsFunction<T: KernelScalar>(_ g: T, _ x: T) -> T {
        let cdf = (1 + T.erf(x * T(0.5.squareRoot()))) / 2
        let pdf = T.exp(-x * x / 2) * T(1 / (2 * Double.pi).squareRoot())
        return g * (cdf + x * pdf)
    }
}

/// `out[i] = x[i]·Φ(x[i])` over same-count float storages, split over threads.
func geluKernel(_ x: Storage, into out: Storage) {
    struct Forward: FloatKernel {
        let x: Storage, out: Storage
        func run<T: KernelScalar>(_: T.Type) { T.gelu(x, into: out) }
    }
    x.dtype.dispatch("gelu", Forward(x: x, out: out))
}

/// `out[i] = g[i]·(Φ(x[i]) + x[i]·φ(x[i]))` over same-count float storages; float32 recovers Φ
/// from the forward's output `y = x·Φ(x)` (one division instead of the erfc fit).
func geluBackwardKernel(_ g: Storage, _ x: Storage, output y: Storage, into out: Storage) {
    struct Backward: FloatKernel {
        let g: Storage, x: Storage, y: Storage, out: Storage
        func run<T: KernelScalar>(_: T.Type) { T.geluBackward(g, x, output: y, into: out) }
    }
    x.dtype.dispatch("gelu_backward", Backward(g: g, x: x, y: y, out: out))
}

/// Φ(x), the standard normal CDF, of each value through the float32 C kernel at the current
/// level (GELU's building block, checked on its own by the tests).
func normalCDFKernel(_ x: [Float]) -> [Float] {
    var out = [Float](repeating: 0, count: x.count)
    let level = KernelStrategy.level.code
    x.withUnsafeBufferPointer { px in
        out.withUnsafeMutableBufferPointer { po in lk_normal_cdf(level, px.baseAddress, po.baseAddress, 0, x.count) }
    }
    return out
}
