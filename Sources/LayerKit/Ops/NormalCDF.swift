// Float32 `exp(−x²/2)` and the standard normal CDF Φ(x) = ½·erfc(−x/√2), written without
// branches, calls or trapping conversions so that a loop over them vectorises (LLVM turns the
// selects into blends). GELU's float32 forward and backward run on them; float64 keeps libm's
// `erf`/`exp` (the reference values gradient checks need).
//
// Accuracy (test "float32 GELU, its gradient and Φ match scipy …"): relative error below 1e-6
// for |x| ≤ 13, where Φ(x) ≥ 1e-38; below that Φ flushes to 0 (absolute error < 2e-38).
//
// erfc(z), z ≥ 0, is Numerical Recipes' Chebyshev fit (`erfcc`, fractional error < 1.2e-7 for
// every z ≥ 0): erfc(z) = t·exp(−z² + P(t)), t = 1/(1 + z/2). Computed naively in float32 the
// exponent −z² + P(t) ≈ −12 at x = −5 would carry an absolute rounding error ~1e-6, i.e. a
// relative error ~1e-6 in the result, so the exponent is carried as an exact pair: x² splits
// exactly (Dekker: x = xh + xl with 12-bit halves, so xh·xh, xh·xl, xl·xl are exact products),
// the sum with P(t) keeps its rounding error (TwoSum), and the low part enters the exponential's
// reduced argument, where it is small.
//
// The polynomials use `Relaxed.multiplyAdd` (swift-numerics): an FMA where the target has one
// (`-Xcc -march=native`), a multiply and an add otherwise, never a libm `fmaf` call. The exact
// steps (the split, TwoSum, Cody–Waite) use plain arithmetic, which the optimiser keeps as written.

import RealModule

/// `a·b + c`, fused when the target has FMA (for polynomial evaluation only).
@inline(__always)
private func madd(_ a: Float, _ b: Float, _ c: Float) -> Float { Relaxed.multiplyAdd(a, b, c) }

/// `e^(hi + lo)` for `lo` ≪ `hi`, float32, ~1 ulp: Cody–Waite reduction by ln 2 (the integer part
/// by the 1.5·2²³ rounding trick, no float-to-int conversion), Cephes' degree-7 polynomial on
/// |r| ≤ ln2/2, the power of two built in the exponent bits. `hi < −87.3` gives 0 (no denormals).
@inline(__always)
func expPair(_ hi: Float, _ lo: Float) -> Float {
    let a = Swift.min(Swift.max(hi, -87.3), 88.3)
    let shifter: Float = 12_582_912          // 1.5·2²³: adding it rounds to an integer
    let biased = a * 1.442_695_04 + shifter    // log2(e)
    let k = biased - shifter
    // ln 2 = 0.693359375 − 2.12194440e-4 (the first part has 9 bits, so k·it is exact).
    let r = (a - k * 0.693_359_375) + k * 2.121_944_40e-4 + lo
    // Estrin's scheme (short dependency chains; the loop is latency-bound otherwise).
    let r2 = r * r, r4 = r2 * r2
    let p01 = madd(1.666_666_545_9e-1, r, 5.000_000_120_1e-1)
    let p23 = madd(8.333_451_907_3e-3, r, 4.166_579_589_4e-2)
    let p45 = madd(1.987_569_150_0e-4, r, 1.398_199_950_7e-3)
    let p = madd(p45, r4, madd(p23, r2, p01))
    let er = madd(p, r2, r) + 1
    // 2^k from k + 127 in the exponent bits; k ∈ [−126, 128] after the clamp.
    let kBits = biased.bitPattern &- shifter.bitPattern       // k as a two's-complement integer
    let scale = Float(bitPattern: (kBits &+ 127) &<< 23)
    return hi < -87.3 ? 0 : er * scale
}

/// `x²` as an exact pair `(hi, lo)`, hi + lo = x², without FMA: Dekker's split of x into
/// 12-bit halves.
@inline(__always)
func squarePair(_ x: Float) -> (hi: Float, lo: Float) {
    let xh = Float(bitPattern: x.bitPattern & 0xFFFF_F000)
    let xl = x - xh
    return (xh * xh, (xh + xh) * xl + xl * xl)
}

/// `e^(−x²/2)`, float32, relative error ~1e-7 (the exponent kept exact).
@inline(__always)
func expHalfSquareNeg(_ x: Float) -> Float {
    let (hi, lo) = squarePair(x)
    return expPair(-0.5 * hi, -0.5 * lo)
}

/// Φ(x) = ½·erfc(−x/√2), the standard normal CDF, float32, relative error < 1e-6 where Φ ≥ 1e-38.
@inline(__always)
func normalCDF(_ x: Float) -> Float {
    let z = Swift.abs(x) * 0.707_106_77                   // |x|/√2 (only inside t: error-tolerant)
    let t = 1 / (1 + 0.5 * z)
    // P(t) by Estrin's scheme: c0 + c1·t + … + c9·t⁹.
    let t2 = t * t, t4 = t2 * t2, t8 = t4 * t4
    let q0 = madd(1.000_023_68, t, -1.265_512_23)
    let q1 = madd(0.096_784_18, t, 0.374_091_96)
    let q2 = madd(0.278_868_07, t, -0.186_288_06)
    let q3 = madd(1.488_515_87, t, -1.135_203_98)
    let q4 = madd(0.170_872_77, t, -0.822_152_23)
    let p = madd(q4, t8, madd(madd(q3, t2, q2), t4, madd(q1, t2, q0)))
    // Exponent −z² + P(t) = −x²/2 + P(t) as s + e exactly enough (TwoSum for the rounding of s).
    let (hi, lo) = squarePair(x)
    let a = -0.5 * hi
    let s = a + p
    let bb = s - a
    let e = (a - (s - bb)) + (p - bb) - 0.5 * lo
    let tail = 0.5 * t * expPair(s, e)                      // Φ(−|x|) = ½·erfc(|x|/√2)
    return x < 0 ? tail : 1 - tail
}

/// `x·Φ(x)`, float32 (exact GELU).
@inline(__always)
func geluFloat(_ x: Float) -> Float { x * normalCDF(x) }

/// `Φ(x) + x·φ(x)`, the derivative of `x·Φ(x)`, float32, given `y = x·Φ(x)` from the forward
/// pass: Φ is recovered as `y/x` (one division instead of the erfc fit; `0.5 + x/√(2π)` for
/// |x| < 2⁻²⁰, where y/x loses digits).
@inline(__always)
func geluGradFloat(_ x: Float, output y: Float) -> Float {
    let cdf = Swift.abs(x) < 9.536_743e-7 ? madd(x, 0.398_942_28, 0.5) : y / x
    return cdf + x * (expHalfSquareNeg(x) * 0.398_942_28)     // φ(x) = e^(−x²/2)/√(2π)
}

/// `out[i] = x[i]·Φ(x[i])` over float32 storages of equal count, split over threads.
func geluFloat32(_ x: Storage, into out: Storage) {
    let px = x.readPointer(Float.self), po = out.pointer(Float.self)
    parallelChunks(out.count, grain: Parallelism.grain / 4) { lo, hi in
        for i in lo..<hi { po[i] = geluFloat(px[i]) }
    }
}

/// `out[i] = g[i]·(Φ(x[i]) + x[i]·φ(x[i]))` over float32 storages of equal count (GELU's
/// backward in one pass, Φ recovered from the forward's output `y`), split over threads.
func geluBackwardFloat32(_ g: Storage, _ x: Storage, output y: Storage, into out: Storage) {
    let pg = g.readPointer(Float.self), px = x.readPointer(Float.self), py = y.readPointer(Float.self), po = out.pointer(Float.self)
    parallelChunks(out.count, grain: Parallelism.grain / 4) { lo, hi in
        for i in lo..<hi { po[i] = pg[i] * geluGradFloat(px[i], output: py[i]) }
    }
}
