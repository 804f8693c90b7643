import CKernels

// The element-wise ops and optimiser updates that have C kernels (`CKernels/dense_body.h`),
// compiled for every SIMD level: the generic Swift loops of Ops/Kernels.swift vectorise only for the build's target
// (SSE2 by default), these for the CPU they run on.

/// A binary element-wise function with a C kernel (the codes `lk_binary_f32` takes).
enum BinarySIMD: Int32 {
    case add = 0, subtract, multiply, divide
    /// ReLU's backward: `a` where `b > 0`, else 0.
    case reluGradient
}

/// A unary element-wise function with a C kernel.
enum UnarySIMD {
    /// `x·scale + shift` (a multiply and an add, not fused).
    case affine(scale: Double, shift: Double)
    /// `max(x, 0)`, NaN to 0.
    case relu
}

extension Float {
    static func binary(
        _ op: BinarySIMD, _ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
        _ out: UnsafeMutablePointer<Float>, _ n: Int, level: SIMDLevel
    ) {
        lk_binary_f32(level.code, op.rawValue, a, sa, b, sb, out, n)
    }

    static func unary(_ op: UnarySIMD, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int, level: SIMDLevel) {
        switch op {
        case .affine(let scale, let shift): lk_affine_f32(level.code, x, Float(scale), Float(shift), out, n)
        case .relu: lk_relu_f32(level.code, x, out, n)
        }
    }

    static func sgd(
        _ mode: Int32, _ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ b: UnsafeMutablePointer<Float>?,
        _ lo: Int, _ hi: Int, negLr: Float, wd: Float, mu: Float, keep: Float, level: SIMDLevel
    ) {
        lk_sgd_f32(level.code, mode, p, g, b, lo, hi, negLr, wd, mu, keep)
    }

    static func adam(
        _ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
        _ v: UnsafeMutablePointer<Float>, _ vmax: UnsafeMutablePointer<Float>?, _ lo: Int, _ hi: Int,
        _ c: AdamCoefficients<Float>, level: SIMDLevel
    ) {
        lk_adam_f32(level.code, p, g, m, v, vmax, lo, hi, c.w1, c.b2, c.w2, c.negStep, c.bc2, c.eps, c.l2)
    }

    static func fill(_ s: Storage, _ value: Double) {
        let p = s.pointer(Float.self), v = Float(value), level = KernelStrategy.level.code
        parallelChunks(s.count) { lo, hi in lk_fill_f32(level, p + lo, v, hi - lo) }
    }
}

extension Double {
    static func binary(
        _ op: BinarySIMD, _ a: UnsafePointer<Double>, _ sa: Int, _ b: UnsafePointer<Double>, _ sb: Int,
        _ out: UnsafeMutablePointer<Double>, _ n: Int, level: SIMDLevel
    ) {
        lk_binary_f64(level.code, op.rawValue, a, sa, b, sb, out, n)
    }

    static func unary(_ op: UnarySIMD, _ x: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ n: Int, level: SIMDLevel) {
        switch op {
        case .affine(let scale, let shift): lk_affine_f64(level.code, x, scale, shift, out, n)
        case .relu: lk_relu_f64(level.code, x, out, n)
        }
    }

    static func sgd(
        _ mode: Int32, _ p: UnsafeMutablePointer<Double>, _ g: UnsafePointer<Double>, _ b: UnsafeMutablePointer<Double>?,
        _ lo: Int, _ hi: Int, negLr: Double, wd: Double, mu: Double, keep: Double, level: SIMDLevel
    ) {
        lk_sgd_f64(level.code, mode, p, g, b, lo, hi, negLr, wd, mu, keep)
    }

    static func adam(
        _ p: UnsafeMutablePointer<Double>, _ g: UnsafePointer<Double>, _ m: UnsafeMutablePointer<Double>,
        _ v: UnsafeMutablePointer<Double>, _ vmax: UnsafeMutablePointer<Double>?, _ lo: Int, _ hi: Int,
        _ c: AdamCoefficients<Double>, level: SIMDLevel
    ) {
        lk_adam_f64(level.code, p, g, m, v, vmax, lo, hi, c.w1, c.b2, c.w2, c.negStep, c.bc2, c.eps, c.l2)
    }

    static func fill(_ s: Storage, _ value: Double) {
        let p = s.pointer(Double.self), level = KernelStrategy.level.code
        parallelChunks(s.count) { lo, hi in lk_fill_f64(level, p + lo, value, hi - lo) }
    }
}
