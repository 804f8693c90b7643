import Testing
@testable import LayerKit

/// The paths FNO1d's training takes for speed: `conv1d` adding a residual in its GEMM, the
/// per-sample products split over LayerKit's threads, and FNO1d's channel-first forward (no
/// permutes) against the reference's formulation.
@Suite("FNO1d fast paths")
struct FNOFastPathTests {
    @Test("conv1d adding a residual equals residual + conv1d, and passes gradCheck in float64 (x, weight, bias, residual)")
    func conv1dResidual() throws {
        for (k, stride, padding, bias) in [(1, 1, 0, true), (3, 2, 1, true), (1, 1, 0, false)] {
            let x = randomInput([2, 3, 9], seed: 41), w = randomInput([4, 3, k], seed: 42), b = randomInput([4], seed: 43)
            let plain = Tensor.conv1d(x, weight: w, bias: bias ? b : nil, stride: stride, padding: padding)
            let r = randomInput(plain.shape, seed: 44)
            let fused = Tensor.conv1d(x, weight: w, bias: bias ? b : nil, stride: stride, padding: padding, adding: r)
            #expect(fused.allClose(plain + r, rtol: 1e-12, atol: 1e-12))
            let inputs = [x, w, r] + (bias ? [b] : [])
            let report = try gradCheck(inputs) {
                Tensor.conv1d($0[0], weight: $0[1], bias: bias ? $0[3] : nil, stride: stride, padding: padding, adding: $0[2])
            }
            #expect(report.passed, "k \(k) stride \(stride) padding \(padding): \(report)")
        }
    }

    @Test("spectralMix (a complex GEMM per mode) equals the real block product [Xr, Xi]·[[Wr, Wi], [−Wi, Wr]] and passes gradCheck in float64")
    func spectralMix() throws {
        let (b, i, o, m) = (3, 4, 2, 5)
        let x = randomInput([b, i, m, 2], seed: 47), w = randomInput([i, o, m, 2], seed: 48)
        let y = Tensor.spectralMix(x, weight: w)
        #expect(y.shape == [b, o, m, 2])
        let spectrum = x.permute([2, 0, 3, 1]).reshape([m, b, 2 * i])
        let wp = w.permute([2, 3, 0, 1])
        let (wr, wi) = (wp.select(axis: 1, index: 0), wp.select(axis: 1, index: 1))
        let block = Tensor.concat([Tensor.concat([wr, wi], axis: 2), Tensor.concat([-wi, wr], axis: 2)], axis: 1)
        let expected = spectrum.matmul(block).reshape([m, b, 2, o]).permute([1, 3, 0, 2])
        #expect(y.allClose(expected, rtol: 1e-12, atol: 1e-12), "\(y.maxAbsDifference(expected))")
        let report = try gradCheck([x, w]) { Tensor.spectralMix($0[0], weight: $0[1]) }
        #expect(report.passed, "\(report)")
        // float32 goes through cgemm.
        #expect(Tensor.spectralMix(x.float(), weight: w.float()).allClose(expected.float(), rtol: 1e-5, atol: 1e-5))
    }

    @Test("FNO1d's channel-first forward equals the reference's (Linear on [batch, n, ·], permutes, conv + w) in float64")
    func fnoMatchesReferenceFormulation() throws {
        let model = FNO1d(modes: 3, width: 4, dtype: .float64, generator: Generator(seed: 45))
        let x = FNO1d.withGrid(randomInput([2, 10], seed: 46))
        var h = model.fc0(x).permute([0, 2, 1])
        for (l, (conv, w)) in [(model.conv0, model.w0), (model.conv1, model.w1), (model.conv2, model.w2), (model.conv3, model.w3)].enumerated() {
            h = conv(h) + w(h)
            if l < 3 { h = h.gelu() }
        }
        let reference = model.fc2(model.fc1(h.permute([0, 2, 1])).gelu())
        let y = model(x)
        #expect(y.shape == [2, 10, 1])
        #expect(y.allClose(reference, rtol: 1e-12, atol: 1e-14), "\(y.maxAbsDifference(reference))")
    }

    @Test("conv1d with its per-sample products split into groups over LayerKit's threads equals the unsplit products")
    func conv1dSplitProducts() throws {
        let x = Tensor.randn([6, 8, 300], generator: Generator(seed: 37)), w = Tensor.randn([5, 8, 3], generator: Generator(seed: 38))
        let b = Tensor.randn([5], generator: Generator(seed: 39)), g = Tensor.randn([6, 5, 298], generator: Generator(seed: 40))
        func run() throws -> [Tensor] {
            let (xs, ws, bs) = (x.detach(), w.detach(), b.detach())
            for t in [xs, ws, bs] { t.requiresGrad = true }
            let y = Tensor.conv1d(xs, weight: ws, bias: bs)
            (y * g).sum().backward()
            return [y.detach(), try #require(xs.grad), try #require(ws.grad), try #require(bs.grad)]
        }
        let reference = try withKernels(KernelStrategy.Overrides(productGroups: 1)) { try run() }
        let split = try withKernels(KernelStrategy.Overrides(productGroups: 3)) { try run() }
        for (a, r) in zip(split, reference) { #expect(a.allClose(r, rtol: 1e-5, atol: 1e-4), "\(a.maxAbsDifference(r))") }
    }
}
