import Testing
import Exercises

/// Exercise "Custom Layers" 2: the leading half of the Fourier coefficients.
@Suite("Exercise: Fourier half spectrum")
struct FourierHalfSpectrumTests {
    @Test("Values match numpy.fft.rfft(x)[..., :n//2] and the full one-sided spectrum", arguments: 0..<6)
    func matchesNumpy(caseIndex: Int) throws {
        let c = try #require(try loadFixture("exercises")["fourier"] as? [[String: Any]])[caseIndex]
        let x = try fixtureTensor(c["x"])
        let half = try fixtureTensor(c["half"]), full = try fixtureTensor(c["full"])
        let got = FourierHalfSpectrum()(x)
        #expect(got.shape == half.shape && got.allClose(half, rtol: 1e-10, atol: 1e-10), "\(x.shape): max diff \(got.maxAbsDifference(half))")
        let gotFull = FourierHalfSpectrum(includeNyquist: true)(x)
        #expect(gotFull.shape == full.shape && gotFull.allClose(full, rtol: 1e-10, atol: 1e-10))
        #expect(FourierHalfSpectrum()(x.float()).allClose(half, rtol: 1e-4, atol: 1e-4))
    }

    @Test("gradCheck in float64 for even and odd n, with batch axes", arguments: [[4, 16], [3, 7], [2, 2, 8], [5, 2], [2, 9]])
    func gradients(shape: [Int]) throws {
        let x = Tensor.randn(shape, dtype: .float64, generator: Generator(seed: UInt64(shape.reduce(0, +))))
        for layer in [FourierHalfSpectrum(), FourierHalfSpectrum(includeNyquist: true)] {
            let report = try gradCheck([x]) { layer($0[0]) }
            #expect(report.passed, "\(shape) nyquist=\(layer.includeNyquist): \(report)")
        }
    }

    @Test("n = 1 gives an empty half spectrum and the DC bin with Nyquist included")
    func singleSample() {
        let x = Tensor([2, -3], shape: [2, 1], dtype: .float64)
        #expect(FourierHalfSpectrum()(x).shape == [2, 0, 2])
        let full = FourierHalfSpectrum(includeNyquist: true)(x)
        #expect(full.shape == [2, 1, 2] && full.doubles() == [2, 0, -3, 0])
    }

    @Test("Imaginary parts are kept: the real part alone cannot tell a sine from zero")
    func imaginaryPartsMatter() {
        let n = 8
        let sine = Tensor((0..<n).map { Double.sin(2 * .pi * Double($0) / Double(n)) }, dtype: .float64)
        let y = FourierHalfSpectrum()(sine)  // X_1 = -4i
        let real = y.narrow(axis: -1, start: 0, length: 1), imag = y.narrow(axis: -1, start: 1, length: 1)
        #expect(real.abs().max().item() < 1e-12)
        #expect(Swift.abs(imag.doubles()[1] + 4) < 1e-12)
    }

    @Test("Dropped into a Sequential and trained with SGD, the loss falls")
    func trains() {
        withSeed(12) {
            let net = Sequential(FourierHalfSpectrum(), Flatten(), Linear(16, 1))
            let x = Tensor.randn([64, 16])
            let target = x.narrow(axis: 1, start: 0, length: 4).sum(axis: 1, keepDims: true)
            let losses = sgdLosses(net, x, target, lr: 0.005, steps: 50)
            #expect(losses.last! < 0.5 * losses.first!, "losses \(losses.first!) → \(losses.last!)")
        }
    }
}
