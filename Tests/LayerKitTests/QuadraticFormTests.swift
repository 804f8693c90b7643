import Testing
@testable import LayerKit

@Suite("QuadraticFormTests")
struct QuadraticFormTests {
    /// Small shapes (a single input, one output, I past 32) and the tile kernel's ragged ones: B
    /// not a multiple of 8 (and 1), I whose I(I+1)/2 pairs end inside a 32-pair panel, K not a
    /// multiple of 32.
    static let shapes = [(4, 5, 3), (3, 1, 2), (1, 2, 1), (7, 8, 6), (5, 17, 4), (2, 33, 9),
                         (1, 19, 40), (9, 13, 33), (5, 9, 64), (3, 33, 32), (10, 8, 48), (2, 21, 37), (17, 6, 35)]

    @Test("quadraticForm and its gradients match the einsum definition at every SIMD level",
          arguments: [DType.float64, .float32], testedLevels)
    func matchesEinsum(dtype: DType, level: SIMDLevel) {
        atLevel(level) {
            for (n, (b, i, k)) in QuadraticFormTests.shapes.enumerated() {
                let (x, w, g, want) = EinsumReference.randomCase(b: b, i: i, k: k, dtype: dtype, seed: UInt64(40 + n))
                let (rtol, atol) = dtype == .float64 ? (1e-11, 1e-11) : (1e-4, 1e-4 * Double(i))
                let y = x.quadraticForm(w)
                #expect(allClose(y, want.y, rtol: rtol, atol: atol), "\(x.shape)·\(w.shape): max diff \(maxDiff(y, want.y))")
                // Without grad (no backward recorded; with the tile kernel another cached layout): the same values.
                let unrecorded = withNoGrad { x.quadraticForm(w) }
                #expect(allClose(unrecorded, want.y, rtol: rtol, atol: atol), "no-grad path: max diff \(maxDiff(unrecorded, want.y))")
                (y * g).sum().backward()
                #expect(allClose(x.grad!, want.dx, rtol: rtol, atol: atol), "dx \(x.shape): max diff \(maxDiff(x.grad!, want.dx))")
                #expect(allClose(w.grad!, want.dw, rtol: rtol, atol: atol), "dW \(w.shape): max diff \(maxDiff(w.grad!, want.dw))")
            }
        }
    }

    @Test("quadraticForm passes a float64 gradCheck in both inputs", arguments: [(4, 5, 3), (3, 1, 2), (2, 6, 1), (5, 3, 4)])
    func gradCheckBoth(b: Int, i: Int, k: Int) throws {
        let x = randomInput([b, i], seed: UInt64(10 * b + i)), w = randomInput([i, i, k], seed: UInt64(100 + k))
        let report = try gradCheck([x, w]) { $0[0].quadraticForm($0[1]) }
        #expect(report.passed, "\(report)")
    }

    @Test("Large shapes (threads, both triangles, several fold blocks without grad) agree with the full outer-product GEMM",
          arguments: [(256, 64, 64), (32, 128, 128), (64, 32, 16), (3, 200, 2)])
    func largeShapes(b: Int, i: Int, k: Int) {
        let x = Tensor.randn([b, i], dtype: .float64, generator: Generator(seed: 1)).float()
        let w = Tensor.randn([i, i, k], dtype: .float64, generator: Generator(seed: 2)).float()
        x.requiresGrad = true
        w.requiresGrad = true
        let g = Tensor.randn([b, k], generator: Generator(seed: 3))
        (x.quadraticForm(w) * g).sum().backward()
        let x2 = x.detach().clone(), w2 = w.detach().clone()
        x2.requiresGrad = true
        w2.requiresGrad = true
        let outer = (x2.reshape([b, i, 1]) * x2.reshape([b, 1, i])).reshape([b, i * i])
        let y2 = outer.matmul(w2.reshape([i * i, k]))
        (y2 * g).sum().backward()
        let y = withNoGrad { x.quadraticForm(w) }
        let scale = Double(i)
        #expect(allClose(y, y2, rtol: 1e-4, atol: 1e-4 * scale), "y: \(maxDiff(y, y2))")
        #expect(allClose(x.grad!, x2.grad!, rtol: 1e-4, atol: 1e-4 * scale), "dx: \(maxDiff(x.grad!, x2.grad!))")
        #expect(allClose(w.grad!, w2.grad!, rtol: 1e-4, atol: 1e-4 * scale), "dW: \(maxDiff(w.grad!, w2.grad!))")
    }

    @Test("The packed outer product's row equals x_r x_c for every pair r ≤ c, in order, at every width 1–40 and SIMD level",
          arguments: testedLevels)
    func packedOuterRow(level: SIMDLevel) {
        for i in 1...40 {
            let x = (0..<i).map { Float($0) * 0.37 - 3.1 }
            let p = i * (i + 1) / 2
            var want: [Float] = []
            for r in 0..<i { for c in r..<i { want.append(x[r] * x[c]) } }
            // One extra slot past the row, which must stay untouched.
            var got = [Float](repeating: .nan, count: p + 1)
            x.withUnsafeBufferPointer { xb in got.withUnsafeMutableBufferPointer { Float.packOuterRow(i, xb.baseAddress!, $0.baseAddress!, level: level) } }
            #expect(Array(got.prefix(p)) == want && got[p].isNaN, "i = \(i)")
        }
    }

    @Test("Only the inputs that require grad get one; mixed dtypes promote")
    func gradientsWhereNeeded() {
        let x = randomInput([3, 4], seed: 7), w = randomInput([4, 4, 2], seed: 8).float()
        w.requiresGrad = true
        let y = x.quadraticForm(w)
        #expect(y.dtype == .float64)
        y.sum().backward()
        #expect(x.grad == nil)
        #expect(w.grad?.shape == [4, 4, 2])
        #expect(w.grad?.dtype == .float32)
    }
}
