import Testing
@testable import LayerKit

/// The truncated transforms as GEMMs (Ops/TruncatedDFT.swift) against the FFTW path
/// (`rfft(bins:)`, `irfft(n:)`, themselves checked against numpy in FFTTests) and their gradients.
@Suite("Truncated DFT as GEMM")
struct TruncatedDFTTests {
    static let sizes = [(1, 1), (2, 2), (7, 4), (8, 5), (8, 2), (9, 5), (16, 9), (33, 17), (64, 16), (1024, 16)]

    @Test("rfft and irfft by GEMM equal FFTW's for odd and even n, one bin up to n/2 + 1 (Nyquist included)",
          arguments: sizes)
    func matchesFFT(n: Int, bins: Int) {
        let x = randomInput([3, 2, n], seed: UInt64(n * 100 + bins))
        let spectrum = x.truncatedRFFT(bins: bins)
        #expect(spectrum.shape == [3, 2, bins, 2])
        #expect(spectrum.allClose(x.rfft(bins: bins), rtol: 1e-10, atol: 1e-10), "\(spectrum.maxAbsDifference(x.rfft(bins: bins)))")
        // Imaginary parts of DC and Nyquist are ignored by both.
        let s = randomInput([3, 2, bins, 2], seed: UInt64(n * 100 + bins + 1))
        let y = s.truncatedIRFFT(n: n)
        #expect(y.shape == [3, 2, n])
        #expect(y.allClose(s.irfft(n: n), rtol: 1e-10, atol: 1e-12), "\(y.maxAbsDifference(s.irfft(n: n)))")
        // Rows split into groups over LayerKit's threads (as when OpenBLAS runs single-threaded) give the same values.
        let split = withKernels(KernelStrategy.Overrides(productGroups: 2)) { (x.truncatedRFFT(bins: bins), s.truncatedIRFFT(n: n)) }
        #expect(split.0.allClose(spectrum, rtol: 1e-12, atol: 1e-14) && split.1.allClose(y, rtol: 1e-12, atol: 1e-14))
        // float32 uses the float matrices.
        #expect(x.float().truncatedRFFT(bins: bins).allClose(x.rfft(bins: bins).float(), rtol: 1e-4, atol: 1e-4))
        #expect(s.float().truncatedIRFFT(n: n).allClose(s.irfft(n: n).float(), rtol: 1e-4, atol: 1e-5))
    }

    @Test("rfft and irfft by GEMM pass gradCheck in float64 (odd n, even n with the Nyquist bin)",
          arguments: [(7, 4), (8, 5), (8, 3), (5, 1)])
    func gradients(n: Int, bins: Int) throws {
        let forward = try gradCheck([randomInput([2, 3, n], seed: 31)]) { $0[0].truncatedRFFT(bins: bins) }
        #expect(forward.passed, "\(forward)")
        let inverse = try gradCheck([randomInput([2, 3, bins, 2], seed: 32)]) { $0[0].truncatedIRFFT(n: n) }
        #expect(inverse.passed, "\(inverse)")
        // The same gradients as the FFTW path (DC and Nyquist imaginary parts get 0).
        let s = randomInput([2, bins, 2], seed: 33), g = randomInput([2, n], seed: 34)
        s.requiresGrad = true
        (s.truncatedIRFFT(n: n) * g).sum().backward()
        let viaGEMM = try #require(s.grad)
        s.zeroGrad()
        (s.irfft(n: n) * g).sum().backward()
        #expect(viaGEMM.allClose(try #require(s.grad), rtol: 1e-10, atol: 1e-12))
    }

    @Test("SpectralConv1d: the FFT path (many modes) and the GEMM path give the same layer", arguments: [(80, 40), (81, 41), (12, 5)])
    func spectralPaths(n: Int, modes: Int) {
        #expect(KernelStrategy.truncatedDFT(n: 1024, bins: 16) && !KernelStrategy.truncatedDFT(n: 1024, bins: 513) && !KernelStrategy.truncatedDFT(n: 1 << 20, bins: 16))
        let layer = SpectralConv1d(inChannels: 3, outChannels: 2, modes: modes, dtype: .float64, generator: Generator(seed: 35))
        let x = randomInput([2, 3, n], seed: 36)
        // The layer's formula with the other path's transforms.
        let gemm = KernelStrategy.truncatedDFT(n: n, bins: modes)
        let spectrum = (gemm ? x.rfft(bins: modes) : x.truncatedRFFT(bins: modes)).permute([2, 0, 3, 1]).reshape([modes, 2, 6])
        let w = layer.weights1.detach().permute([2, 3, 0, 1])
        let (wr, wi) = (w.select(axis: 1, index: 0), w.select(axis: 1, index: 1))
        let block = Tensor.concat([Tensor.concat([wr, wi], axis: 2), Tensor.concat([-wi, wr], axis: 2)], axis: 1)
        let product = spectrum.matmul(block).reshape([modes, 2, 2, 2]).permute([1, 3, 0, 2])
        let expected = gemm ? product.irfft(n: n) : product.truncatedIRFFT(n: n)
        #expect(layer(x).allClose(expected, rtol: 1e-10, atol: 1e-12), "\(layer(x).maxAbsDifference(expected))")
    }
}
