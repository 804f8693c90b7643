import Foundation
import Testing
@testable import LayerKit

// In the FFTTests suite (an extension of it) so it is serialized with the plan-cache tests.
extension FFTTests {
    @Test("rfft(bins:) matches numpy.fft.rfft(x)[..., :m] for every m up to n/2 + 1, even and odd n",
          arguments: [DType.float64, .float32])
    func rfftBinsMatchNumpy(dtype: DType) throws {
        let cases = try #require(try loadFixture("fft")["rfft"] as? [[String: Any]])
        var evenCases = 0
        for c in cases {
            let x = try fixtureTensor(c["x"], dtype: dtype)
            let full = try fixtureTensor(c["rfft"])
            let n = x.shape[x.rank - 1]
            if n % 2 == 0 { evenCases += 1 }
            for m in 1...(n / 2 + 1) {
                let want = full.narrow(axis: -2, start: 0, length: m)
                let got = x.rfft(bins: m)
                #expect(got.shape == want.shape)
                let (rtol, atol) = dtype == .float64 ? (1e-12, 1e-12) : (1e-5, 1e-5)
                #expect(allClose(got, want, rtol: rtol, atol: atol),
                        "shape \(x.shape), m \(m): max diff \(maxDiff(got, want))")
            }
        }
        #expect(evenCases >= 6)
    }

    @Test("The even-n half-length rfft(bins:) equals FFTW's r2c for large batches, blocks and both threads",
          arguments: [(1024, 100, 50), (256, 1024, 512), (64, 4096, 2049), (16, 65536, 32768), (3, 1014, 200),
                      (5, 2, 1), (5, 2, 2), (7, 4, 3), (9, 6, 4)])
    func halfLengthMatchesR2C(rows: Int, n: Int, bins: Int) {
        let x = Tensor.randn([rows, n], dtype: .float64, generator: Generator(seed: UInt64(n + bins)))
        let want = x.rfft().narrow(axis: -2, start: 0, length: bins)
        let got = x.rfft(bins: bins)
        #expect(allClose(got, want, rtol: 1e-9, atol: 1e-9 * Double(n).squareRoot()), "max diff \(maxDiff(got, want))")
        let x32 = x.float()
        let got32 = x32.rfft(bins: bins)
        #expect(allClose(got32, x32.rfft().narrow(axis: -2, start: 0, length: bins), rtol: 1e-4, atol: 1e-4 * Double(n).squareRoot()))
    }

    @Test("rfft(bins:) passes a float64 gradCheck for even and odd n and every m up to n/2 + 1",
          arguments: [2, 4, 6, 8, 12, 5, 7, 9])
    func rfftBinsGradCheckAllBins(n: Int) throws {
        let x = Tensor.randn([3, n], dtype: .float64, generator: Generator(seed: UInt64(40 + n)))
        for m in 1...(n / 2 + 1) {
            let report = try gradCheck([x]) { $0[0].rfft(bins: m) }
            #expect(report.passed, "n \(n), m \(m): \(report)")
        }
    }

    @Test("The half-length backward equals the r2c adjoint for large even n, in float64 and float32",
          arguments: [(256, 1024, 512), (4, 4096, 2049), (1024, 100, 50), (3, 1014, 100)])
    func halfLengthBackwardMatchesAdjoint(rows: Int, n: Int, bins: Int) {
        for dtype in [DType.float64, .float32] {
            let x = Tensor.randn([rows, n], dtype: dtype, generator: Generator(seed: UInt64(n)))
            x.requiresGrad = true
            let w = Tensor.randn([rows, bins, 2], dtype: dtype, generator: Generator(seed: UInt64(bins)))
            (x.rfft(bins: bins) * w).sum().backward()
            let want = Tensor.rfftAdjoint(w, n: n, batch: rows, inputShape: [rows, n], bins: bins)
            let tol = (dtype == .float64 ? 1e-9 : 1e-3) * Double(n).squareRoot()
            #expect(allClose(x.grad!, want, rtol: tol, atol: tol), "\(dtype): max diff \(maxDiff(x.grad!, want))")
        }
    }

    @Test("Measured complex plans keep FFTW wisdom in FFTPlans.wisdomPath, and nil turns it off")
    func wisdomFiles() throws {
        let saved = FFTPlans.wisdomPath
        defer {
            FFTPlans.rigor = .estimate
            FFTPlans.wisdomPath = saved
        }
        let dir = FileManager.default.temporaryDirectory.path + "/layerkit-wisdom-test-\(UInt64.random(in: 0...UInt64.max))"
        FFTPlans.wisdomPath = dir
        FFTPlans.rigor = .measure
        let x = Tensor.randn([2, 64], dtype: .float64, generator: Generator(seed: 5))
        let got = x.rfft(bins: 32)
        #expect(allClose(got, x.rfft().narrow(axis: -2, start: 0, length: 32), rtol: 1e-12, atol: 1e-12))
        let file = dir + "/fftw-wisdom-f64.txt"
        #expect(FileManager.default.fileExists(atPath: file), "no wisdom file at \(file)")
        #expect(((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").contains("fftw_wisdom"))
        try? FileManager.default.removeItem(atPath: dir)
        FFTPlans.wisdomPath = nil
        FFTPlans.rigor = .measure
        _ = Tensor.randn([3, 64], dtype: .float64, generator: Generator(seed: 6)).rfft(bins: 32)
        #expect(!FileManager.default.fileExists(atPath: file))
    }
}

extension FFTTests {
    @Test("The float32 even-length rfft(bins:) (the lane kernels with AVX-512, else FFTW's c2c) matches float64 FFTW for radices 2, 3, 4 and 5, partial row groups and every kind of bin count, at every SIMD level",
          arguments: [(16, 16, 8), (16, 16, 9), (3, 24, 12), (17, 36, 5), (40, 100, 50), (33, 100, 51), (20, 120, 60),
                      (18, 1024, 512), (5, 1024, 513), (16, 4096, 2048), (9, 160, 77), (32, 250, 125)], testedLevels)
    func laneFFTMatchesFFTW(shape: (Int, Int, Int), level: SIMDLevel) { atLevel(level) {
        let (rows, n, bins) = shape
        let x = Tensor.randn([rows, n], dtype: .float64, generator: Generator(seed: UInt64(7 * n + bins)))
        let want = x.rfft().narrow(axis: -2, start: 0, length: bins)
        let tol = 2e-6 * Double(n).squareRoot() * Foundation.log2(Double(n))
        // The production path (the kernels where KernelStrategy.laneFFT says so, else FFTW's
        // c2c), then, at the level with the kernels, the kernels on every case (also the small
        // ones that production leaves to FFTW).
        var paths = [("rfftHalfLength", x.float().rfftHalfLength(bins: bins))]
        if level >= .avx512 { paths.append(("rfftLanes", x.float().rfftLanes(bins: bins))) }
        for (path, got) in paths {
            #expect(got.shape == want.shape)
            #expect(allClose(got.double(), want, rtol: tol, atol: tol), "\(path): max diff \(maxDiff(got.double(), want))")
        }
    } }

    @Test("The lane FFT's kernels give the same bits on 1, 2 and 3 threads, and match FFTW for the long rows they take",
          .enabled(if: SIMDLevel.cpu >= .avx512, "the lane kernels need a CPU with AVX-512"),
          arguments: [(100, 1024, 512), (37, 4096, 2049), (16, 65536, 32768), (64, 250, 125)])
    func laneFFTThreads(rows: Int, n: Int, bins: Int) {
        let x = Tensor.randn([rows, n], dtype: .float64, generator: Generator(seed: UInt64(n + rows)))
        let want = x.rfft().narrow(axis: -2, start: 0, length: bins)
        let one = x.float().rfftLanes(bins: bins, threads: 1)
        let tol = 2e-6 * Double(n).squareRoot() * Foundation.log2(Double(n))
        #expect(allClose(one.double(), want, rtol: tol, atol: tol), "max diff \(maxDiff(one.double(), want))")
        for threads in [2, 3] {
            // Each row group is transformed by one thread, whichever it is: the same operations.
            let got = x.float().rfftLanes(bins: bins, threads: threads)
            #expect(maxDiff(got, one) == 0, "\(threads) threads")
        }
    }

    @Test("A float32 rfft(bins:) whose shape takes the lane FFT keeps its backward, at every SIMD level",
          arguments: [(40, 100, 50), (20, 1024, 512)], testedLevels)
    func laneFFTBackward(shape: (Int, Int, Int), level: SIMDLevel) { atLevel(level) {
        let (rows, n, bins) = shape
        // The lane path is taken exactly at the AVX-512 level.
        #expect(KernelStrategy.laneFFT(n: n, batch: rows) == (level >= .avx512 && KernelStrategy.laneFFTLimit >= n / 2))
        let x = Tensor.randn([rows, n], dtype: .float32, generator: Generator(seed: UInt64(n)))
        x.requiresGrad = true
        let w = Tensor.randn([rows, bins, 2], dtype: .float32, generator: Generator(seed: UInt64(bins)))
        (x.rfft(bins: bins) * w).sum().backward()
        let want = Tensor.rfftAdjoint(w, n: n, batch: rows, inputShape: [rows, n], bins: bins)
        let tol = 1e-3 * Double(n).squareRoot()
        #expect(allClose(x.grad!, want, rtol: tol, atol: tol), "max diff \(maxDiff(x.grad!, want))")
    } }
}
