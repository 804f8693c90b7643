import Foundation
import Testing
@testable import LayerKit

/// The float32 GELU (the C kernels in `CKernels/dense_body.h`: a vectorisable Φ(x) instead of
/// libm's `erff`) against scipy's float64 values (Fixtures/make_gelu_float32.py) over [−16, 16],
/// tails included, at every SIMD level the CPU runs.
@Suite("Float32 GELU")
struct GeluFloat32Tests {
    struct Reference {
        let x: [Float], cdf: [Double], gelu: [Double], grad: [Double]
    }

    func reference() throws -> Reference {
        let f = try loadFixture("gelu_float32")
        func column(_ key: String) throws -> [Double] { try #require(f[key] as? [Double], "gelu_float32.json has no \(key)") }
        return Reference(x: try column("x").map(Float.init), cdf: try column("cdf"), gelu: try column("gelu"), grad: try column("grad"))
    }

    /// The worst `|got − want| / (rtol·scale + atol)` over all points (≤ 1 passes), and where.
    func worst(_ got: [Float], _ want: [Double], rtol: Double = 1e-6, atol: Double = 1e-37,
               scale: (Int) -> Double) -> (ratio: Double, at: Int) {
        var worst = (ratio: 0.0, at: 0)
        for i in want.indices {
            let e = Swift.abs(Double(got[i]) - want[i]) / (rtol * scale(i) + atol)
            if !(e <= worst.ratio) { worst = (e, i) }
        }
        return worst
    }

    @Test("float32 GELU, its gradient and Φ match scipy to 1e-6 relative (1e-37 absolute where Φ underflows, x < −13)",
          arguments: testedLevels)
    func matchesScipy(level: SIMDLevel) throws { try atLevel(level) {
        let r = try reference()
        let cdf = worst(normalCDFKernel(r.x), r.cdf) { r.cdf[$0] }
        #expect(cdf.ratio <= 1, "Φ: error \(cdf.ratio)× the tolerance at x = \(r.x[cdf.at])")

        let x = Tensor(r.x, shape: [r.x.count])
        x.requiresGrad = true
        let y = x.gelu()
        y.sum().backward()
        let (values, grads) = (y.floats(), try #require(x.grad).floats())
        let gelu = worst(values, r.gelu) { Swift.abs(r.gelu[$0]) }
        #expect(gelu.ratio <= 1, "GELU: error \(gelu.ratio)× the tolerance at x = \(r.x[gelu.at])")
        // Φ(x) + x·φ(x) crosses 0 near x = −0.75: scale by its two terms' sizes.
        let grad = worst(grads, r.grad) { i in r.cdf[i] + Swift.abs(r.grad[i] - r.cdf[i]) }
        #expect(grad.ratio <= 1, "GELU′: error \(grad.ratio)× the tolerance at x = \(r.x[grad.at])")
    } }

    @Test("float32 GELU keeps NaN and infinities as PyTorch does, and equals the float64 op rounded", arguments: testedLevels)
    func specialValues(level: SIMDLevel) { atLevel(level) {
        let y = Tensor([Float.nan, .infinity, 0, -0.0, 1e30, -1e30], shape: [6]).gelu().floats()
        #expect(y[0].isNaN)
        #expect(y[1] == .infinity && y[2] == 0 && y[3] == 0 && y[4] == 1e30 && y[5] == 0)
        let x = Tensor.randn([4096], generator: Generator(seed: 3)) * 4
        let exact = x.double().gelu()
        #expect(x.gelu().double().allClose(exact, rtol: 1e-6, atol: 1e-12), "\(x.gelu().double().maxAbsDifference(exact))")
    } }
}
