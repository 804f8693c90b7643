import Testing
@testable import LayerKit

// In the FFTTests suite (an extension of it) so it is serialized with the plan-cache tests.
extension FFTTests {
    @Test("rfft(bins:) equals rfft() narrowed, for batches split over threads and odd lengths",
          arguments: [(1024, 100, 50), (3, 1013, 506), (64, 4096, 2048), (5, 16, 3), (7, 9, 5), (2, 1, 0)])
    func rfftBinsMatchesNarrow(rows: Int, n: Int, bins: Int) {
        let x = Tensor.randn([rows, n], generator: Generator(seed: 7))
        let want = x.rfft().narrow(axis: -2, start: 0, length: bins)
        let got = x.rfft(bins: bins)
        #expect(got.shape == [rows, bins, 2])
        #expect(allClose(got, want, rtol: 1e-5, atol: 1e-4), "max diff \(maxDiff(got, want))")
    }

    @Test("rfft(bins:) backward passes gradCheck and matches the narrowed rfft's gradient")
    func rfftBinsGradient() throws {
        let g = Generator(seed: 8)
        let x = Tensor.randn([4, 16], dtype: .float64, generator: g)
        let report = try gradCheck([x]) { $0[0].rfft(bins: 8) }
        #expect(report.passed, "\(report)")
        let a = x.clone(), b = x.clone()
        a.requiresGrad = true
        b.requiresGrad = true
        let w = Tensor.randn([4, 7, 2], dtype: .float64, generator: g)
        (a.rfft(bins: 7) * w).sum().backward()
        (b.rfft().narrow(axis: -2, start: 0, length: 7) * w).sum().backward()
        #expect(allClose(a.grad!, b.grad!, rtol: 1e-12, atol: 1e-12))
    }
}
