import Foundation
import Testing
@testable import LayerKit

/// The one-sided DFT of each row of `x` (length `n`) by the definition, in Double, as
/// interleaved (re, im) pairs: an independent reference for the concurrency test.
private func naiveRFFT(_ x: [Double], n: Int) -> [Double] {
    var out: [Double] = []
    for row in stride(from: 0, to: x.count, by: n) {
        for k in 0...(n / 2) {
            var re = 0.0, im = 0.0
            for t in 0..<n {
                let theta = 2 * Double.pi * Double(k * t % n) / Double(n)
                re += x[row + t] * Foundation.cos(theta)
                im -= x[row + t] * Foundation.sin(theta)
            }
            out += [re, im]
        }
    }
    return out
}

// Serialized: the rigor test clears the plan cache, which the plan-reuse test inspects.
@Suite("FFTTests", .serialized)
struct FFTTests {
    @Test("rfft matches numpy.fft.rfft in float64 and float32", arguments: [DType.float64, .float32])
    func rfftValues(dtype: DType) throws {
        let cases = try #require(try loadFixture("fft")["rfft"] as? [[String: Any]])
        #expect(cases.count >= 10)
        for c in cases {
            let x = try fixtureTensor(c["x"], dtype: dtype)
            let want = try fixtureTensor(c["rfft"])
            let got = x.rfft()
            #expect(got.dtype == dtype)
            let (rtol, atol) = dtype == .float64 ? (1e-12, 1e-12) : (1e-5, 1e-5)
            #expect(allClose(got, want, rtol: rtol, atol: atol),
                    "shape \(x.shape): max diff \(maxDiff(got, want)), got shape \(got.shape), want \(want.shape)")
        }
    }

    @Test("irfft matches numpy.fft.irfft (default, odd, truncating and padding n)", arguments: [DType.float64, .float32])
    func irfftValues(dtype: DType) throws {
        let cases = try #require(try loadFixture("fft")["irfft"] as? [[String: Any]])
        #expect(cases.count >= 15)
        for c in cases {
            let z = try fixtureTensor(c["z"], dtype: dtype)
            let n = try #require(c["n"] as? Int)
            let want = try fixtureTensor(c["irfft"])
            let got = n < 0 ? z.irfft() : z.irfft(n: n)
            let (rtol, atol) = dtype == .float64 ? (1e-12, 1e-12) : (1e-5, 1e-5)
            #expect(allClose(got, want, rtol: rtol, atol: atol),
                    "z shape \(z.shape), n \(n): max diff \(maxDiff(got, want)), got shape \(got.shape), want \(want.shape)")
        }
    }

    @Test("Integer and bool input is promoted to float32, as torch.fft.rfft and irfft do")
    func integerInputPromotes() {
        // torch.view_as_real(torch.fft.rfft(torch.tensor([0, 1, 2, 3]))) — a complex64 result.
        let small = Tensor([0, 1, 2, 3] as [Int]).rfft()
        #expect(small.dtype == .float32 && small.shape == [3, 2] && small.floats() == [6, 0, -2, 2, -2, 0])
        let values = (0..<2 * 300).map { ($0 * 37) % 11 - 5 }
        for dtype in [DType.int64, .int32, .uint8, .bool] {
            let x = Tensor(values, shape: [2, 300], dtype: dtype), f = x.to(.float32)
            #expect(x.rfft().dtype == .float32 && x.rfft().floats() == f.rfft().floats(), "rfft \(dtype)")
            #expect(x.rfft(bins: 150).floats() == f.rfft(bins: 150).floats(), "rfft(bins:) \(dtype)")
            let z = Tensor(values, shape: [2, 150, 2], dtype: dtype)
            #expect(z.irfft(n: 299).dtype == .float32 && z.irfft(n: 299).floats() == z.to(.float32).irfft(n: 299).floats(), "irfft \(dtype)")
        }
    }

    @Test("The rfft of [0, 1, 2, 3], and the gradient of the sum of its real parts is [3, 0, 1, 0]",
          arguments: [DType.float64, .float32])
    func adjointExample(dtype: DType) {
        let x = Tensor([0, 1, 2, 3], dtype: dtype, requiresGrad: true)
        let X = x.rfft()
        #expect(X.shape == [3, 2])
        #expect(X.doubles() == [6, 0, -2, 2, -2, 0])
        #expect(X.gradFnName == "FftR2CBackward0")
        // Σ Re X_k: a seed of 1 on every real part and 0 on every imaginary part.
        X.backward(Tensor([1, 0, 1, 0, 1, 0], shape: [3, 2], dtype: dtype))
        #expect(x.grad?.doubles() == [3, 0, 1, 0])
        #expect(x.grad?.dtype == dtype)
    }

    @Test("An imaginary-part gradient gives -Σ_k sin(2πkt/n) terms")
    func adjointImaginary() {
        // L = Im X_1 = -Σ x_t sin(2πt/4) = -(x_1 - x_3): ∂L/∂x = [0, -1, 0, 1].
        let x = Tensor([0.5, -1, 2, 4], dtype: .float64, requiresGrad: true)
        x.rfft().backward(Tensor([0, 0, 0, 1, 0, 0], shape: [3, 2], dtype: .float64))
        let g = x.grad?.doubles() ?? []
        #expect(g.count == 4 && zip(g, [0.0, -1, 0, 1]).allSatisfy { Swift.abs($0 - $1) < 1e-15 }, "\(g)")
    }

    @Test("rfft passes gradCheck for even and odd n, with batch dimensions",
          arguments: [[1], [2], [6], [7], [3, 8], [2, 3, 5], [2, 1, 4]])
    func rfftGradCheck(shape: [Int]) throws {
        let x = randomInput(shape, seed: UInt64(41 + shape.reduce(0, +)))
        let report = try gradCheck([x]) { $0[0].rfft() }
        #expect(report.passed, "shape \(shape): \(report)")
    }

    @Test("irfft passes gradCheck for default, even, odd, truncating and padding n",
          arguments: [([3], nil), ([4], 7), ([4], 6), ([2, 5], nil), ([2, 5], 9), ([3, 2, 3], 5), ([2, 4], 3), ([2, 3], 10), ([1], 1)] as [([Int], Int?)])
    func irfftGradCheck(lead: [Int], n: Int?) throws {
        let z = randomInput(lead + [2], seed: UInt64(97 + lead.reduce(0, +) + (n ?? 0)))
        let report = try gradCheck([z]) { $0[0].irfft(n: n) }
        #expect(report.passed, "input \(z.shape), n \(n.map(String.init) ?? "default"): \(report)")
    }

    @Test("The composed irfft(rfft(x)) is differentiable through both ops")
    func composedGradCheck() throws {
        let x = randomInput([2, 5], seed: 5)
        let w = randomInput([3, 2], seed: 6)
        // A spectral filter: scale each bin by a learned (re, im) weight, elementwise.
        let report = try gradCheck([x, w]) { t in (t[0].rfft() * t[1]).irfft(n: 5) }
        #expect(report.passed, "\(report)")
    }

    @Test("irfft(rfft(x), n: n) gives x back", arguments: [1, 2, 3, 4, 5, 8, 9, 64, 127])
    func roundTrip(n: Int) {
        for dtype in [DType.float64, .float32] {
            let x = Tensor.randn([2, 3, n], dtype: dtype, generator: Generator(seed: UInt64(n)))
            let y = x.rfft().irfft(n: n)
            #expect(y.shape == x.shape)
            let tol = dtype == .float64 ? 1e-12 : 1e-5
            #expect(allClose(y, x, rtol: tol, atol: tol), "n \(n) \(dtype): max diff \(maxDiff(y, x))")
        }
    }

    @Test("Shapes, grad_fn names and empty batches")
    func shapesAndNames() {
        #expect(Tensor.zeros([4, 3, 10]).rfft().shape == [4, 3, 6, 2])
        #expect(Tensor.zeros([11]).rfft().shape == [6, 2])
        #expect(Tensor.zeros([6, 2]).irfft().shape == [10])
        #expect(Tensor.zeros([2, 6, 2]).irfft(n: 11).shape == [2, 11])
        #expect(Tensor.zeros([0, 8]).rfft().shape == [0, 5, 2])
        #expect(Tensor.zeros([0, 5, 2]).irfft().shape == [0, 8])
        let z = Tensor.zeros([3, 2])
        z.requiresGrad = true
        #expect(z.irfft().gradFnName == "FftC2RBackward0")
        #expect(withNoGrad { z.irfft().gradFnName } == nil)
        #expect(Tensor.zeros([3, 2]).irfft().requiresGrad == false)
    }

    @Test("A plan is made once per (n, batch, dtype, direction) and reused")
    func planReuse() {
        // A length no other test uses, so tests running in parallel cannot make this key.
        let n = 1013
        let key = FFTPlanKey(n: n, batch: 3, dtype: .float64, direction: .r2c)
        let x = Tensor.randn([3, n], dtype: .float64, generator: Generator(seed: 1))
        let first = x.rfft()
        let plan = FFTPlanCache.cachedPlan(key)
        #expect(plan != nil)
        for _ in 0..<3 { _ = Tensor.randn([3, n], dtype: .float64).rfft() }
        #expect(FFTPlanCache.creationCount(key) == 1)
        #expect(FFTPlanCache.cachedPlan(key) === plan)
        // Other dtypes, batches and directions are other plans.
        _ = x.float().rfft()
        _ = Tensor.randn([4, n], dtype: .float64).rfft()
        _ = first.irfft(n: n)
        #expect(FFTPlanCache.creationCount(FFTPlanKey(n: n, batch: 3, dtype: .float32, direction: .r2c)) == 1)
        #expect(FFTPlanCache.creationCount(FFTPlanKey(n: n, batch: 4, dtype: .float64, direction: .r2c)) == 1)
        #expect(FFTPlanCache.creationCount(FFTPlanKey(n: n, batch: 3, dtype: .float64, direction: .c2r)) == 1)
        // The reused plan gives the same values as the first call.
        #expect(x.rfft().doubles() == first.doubles())
    }

    @Test("Measured plans (FFTPlans.rigor = .measure) plan on scratch buffers and give the same values")
    func measuredPlans() {
        defer { FFTPlans.rigor = .estimate }
        let n = 48
        let x = Tensor.randn([2, n], dtype: .float64, generator: Generator(seed: 3))
        let values = x.doubles()
        let key = FFTPlanKey(n: n, batch: 2, dtype: .float64, direction: .r2c)
        let before = FFTPlanCache.creationCount(key)
        FFTPlans.rigor = .measure
        #expect(FFTPlans.rigor == .measure)
        let got = x.rfft().doubles()
        #expect(FFTPlanCache.creationCount(key) == before + 1)
        // FFTW_MEASURE overwrites the arrays it plans on: those must not be the caller's.
        #expect(x.doubles() == values)
        let want = naiveRFFT(values, n: n)
        #expect(zip(got, want).allSatisfy { Swift.abs($0 - $1) < 1e-10 })
        #expect(allClose(x.rfft().irfft(n: n), x, rtol: 1e-12, atol: 1e-12))
        FFTPlans.clear()
        #expect(FFTPlanCache.cachedPlan(key) == nil)
    }

    @Test("The cache keeps at most 64 plans, dropping the least recently used")
    func eviction() {
        let x = Tensor.randn([1, 2000], dtype: .float64, generator: Generator(seed: 9))
        let first = x.rfft().doubles()
        let key = FFTPlanKey(n: 2000, batch: 1, dtype: .float64, direction: .r2c)
        for n in 2001...2070 { _ = Tensor.zeros([1, n], dtype: .float64).rfft() }
        #expect(FFTPlans.count <= FFTPlanCache.capacity)
        #expect(FFTPlanCache.cachedPlan(key) == nil, "the oldest plan should have been evicted")
        #expect(x.rfft().doubles() == first)
        #expect(FFTPlanCache.cachedPlan(key) != nil)
    }

    @Test("Concurrent rffts from several tasks give correct results")
    func concurrentUse() async {
        let sizes = [3, 8, 17, 32, 33, 64, 100, 128]
        let results = await withTaskGroup(of: (Int, Double, Bool).self) { group in
            for (i, n) in sizes.enumerated() {
                group.addTask {
                    // Each task makes its own tensors (Tensor is not Sendable) and runs several
                    // transforms, so plan lookups, creation and execution interleave.
                    var worst = 0.0, roundTrips = true
                    for r in 0..<5 {
                        let batch = 1 + (i + r) % 3
                        let dtype: DType = r % 2 == 0 ? .float64 : .float32
                        let x = Tensor.randn([batch, n], dtype: .float64, generator: Generator(seed: UInt64(100 * i + r)))
                        let got = x.to(dtype).rfft().doubles()
                        let want = naiveRFFT(x.doubles(), n: n)
                        let scale = dtype == .float64 ? 1e-10 : 1e-4
                        worst = Swift.max(worst, zip(got, want).map { Swift.abs($0 - $1) / scale }.max() ?? .infinity)
                        roundTrips = roundTrips && allClose(x.rfft().irfft(n: n), x, rtol: 1e-12, atol: 1e-12)
                    }
                    return (n, worst, roundTrips)
                }
            }
            var all: [(Int, Double, Bool)] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.count == sizes.count)
        for (n, worst, roundTrips) in results {
            #expect(worst <= 1, "n \(n): error \(worst) × tolerance")
            #expect(roundTrips, "n \(n): round trip failed")
        }
    }

    @Test("Misuse stops with a message naming the op")
    func misuse() async {
        await #expect(processExitsWith: .failure) { _ = Tensor(scalar: 1).rfft() }
        await #expect(processExitsWith: .failure) { _ = Tensor.zeros([3, 0]).rfft() }
        await #expect(processExitsWith: .failure) { _ = Tensor.zeros([4, 3]).irfft() }
        await #expect(processExitsWith: .failure) { _ = Tensor.zeros([1, 2]).irfft() }
    }
}
