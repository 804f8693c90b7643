import CKernels

// The row loops of the tensor reduction, per scalar type: float32 through the C kernels at
// the run-time SIMD level, float64 as plain loops.

extension Float {
    static var hasQuadraticTile: Bool { true }

    static func packOuterRow(_ i: Int, _ x: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>, level: SIMDLevel) {
        lk_pack_outer_row(level.code, i, x, o)
    }

    static func quadraticInputGradientRow(
        _ i: Int, _ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, level: SIMDLevel
    ) {
        lk_quadratic_input_gradient_row(level.code, i, x, m, d)
    }
}

extension Double {
    static var hasQuadraticTile: Bool { false }

    static func packOuterRow(_ i: Int, _ x: UnsafePointer<Double>, _ o: UnsafeMutablePointer<Double>, level: SIMDLevel) {
        var q = 0
        for r in 0..<i {
            let v = x[r]
            for c in r..<i { o[q &+ c &- r] = v * x[c] }
            q &+= i &- r
        }
    }

    static func quadraticInputGradientRow(
        _ i: Int, _ x: UnsafePointer<Double>, _ m: UnsafePointer<Double>, _ d: UnsafeMutablePointer<Double>, level: SIMDLevel
    ) {
        for c in 0..<i { d[c] = 0 }
        var q = 0
        for r in 0..<i {
            // Pairs (r, c), c ≥ r: ∂/∂x_c gets M x_r, ∂/∂x_r gets Σ_c M x_c (so the diagonal
            // counts twice). The axpy vectorises; the dot runs on four sums.
            let v = x[r], mrow = m + q, n = i &- r, xs = x + r, ds = d + r
            for j in 0..<n { ds[j] += mrow[j] * v }
            var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, j = 0
            while j &+ 4 <= n {
                s0 += mrow[j] * xs[j]
                s1 += mrow[j &+ 1] * xs[j &+ 1]
                s2 += mrow[j &+ 2] * xs[j &+ 2]
                s3 += mrow[j &+ 3] * xs[j &+ 3]
                j &+= 4
            }
            while j < n {
                s0 += mrow[j] * xs[j]
                j &+= 1
            }
            d[r] += (s0 + s1) + (s2 + s3)
            q &+= n
        }
    }
}
