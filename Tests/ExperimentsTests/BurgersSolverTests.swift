import Foundation
import Testing
import LayerKit
@testable import Experiments

/// An exact periodic Burgers solution by the Cole–Hopf transform: `u = −2ν φ_x/φ` solves
/// `u_t + u u_x = ν u_xx` when φ solves the heat equation `φ_t = ν φ_xx`. With
/// `φ = a + b₁e^{−νκ₁²t} cos κ₁x + b₂e^{−νκ₂²t} sin κ₂x` (|b₁| + |b₂| < a, so φ > 0),
/// κ₁ = 2π, κ₂ = 6π, u is periodic on [0, 1) and steepens into a front before decaying.
func coleHopf(x: Double, t: Double, nu: Double, a: Double = 1, b1: Double = 0.5, b2: Double = 0.3) -> Double {
    let k1 = 2 * Double.pi, k2 = 6 * Double.pi
    let e1 = b1 * Foundation.exp(-nu * k1 * k1 * t), e2 = b2 * Foundation.exp(-nu * k2 * k2 * t)
    let phi = a + e1 * Foundation.cos(k1 * x) + e2 * Foundation.sin(k2 * x)
    let phiX = -e1 * k1 * Foundation.sin(k1 * x) + e2 * k2 * Foundation.cos(k2 * x)
    return -2 * nu * phiX / phi
}

/// The maximum error at `time`, relative to the largest |u(·, time)|, of the solver on `n`
/// points with `steps` steps started from the Cole–Hopf solution at t = 0, the worst over
/// two viscosities.
func coleHopfError(points n: Int, steps: Int, time: Double = 1) -> Double {
    var worst = 0.0
    for nu in [0.1, 0.05] {
        let u0 = (0..<n).map { coleHopf(x: Double($0) / Double(n), t: 0, nu: nu) }
        let uT = BurgersSolver(points: n, viscosity: nu).solve(u0, rows: 1, time: time, steps: steps)
        let exact = (0..<n).map { coleHopf(x: Double($0) / Double(n), t: time, nu: nu) }
        let error = zip(uT, exact).map { abs($0 - $1) }.max()!, scale = exact.map(abs).max()!
        worst = max(worst, error / scale)
    }
    return worst
}

@Suite("Burgers solver")
struct BurgersSolverTests {
    @Test("ETDRK4 matches Cole–Hopf to 2e-6 of max|u| at T = 1 with h = 0.005, and at T = 0.25")
    func coleHopfAccuracy() {
        // Measured: 9.0e-7 (T = 1, 200 steps), 1.0e-6 (T = 0.25, 50 steps), on 1024 points.
        let late = coleHopfError(points: 1024, steps: 200), early = coleHopfError(points: 1024, steps: 50, time: 0.25)
        #expect(late < 2e-6, "max |u − u_exact| / max |u_exact| = \(late) at T = 1")
        #expect(early < 2e-6, "max |u − u_exact| / max |u_exact| = \(early) at T = 0.25")
    }

    @Test("fourth order in time: halving h divides the error by about 16")
    func fourthOrder() {
        // Large steps, so the time error dominates the (spectrally small) space error.
        let coarse = coleHopfError(points: 256, steps: 40), fine = coleHopfError(points: 256, steps: 80)
        let ratio = coarse / fine
        #expect(ratio > 12 && ratio < 20, "errors \(coarse) → \(fine), ratio \(ratio)")
    }

    @Test("Burgers keeps the mean (∫u is conserved) and loses energy")
    func conservation() {
        let n = 512
        let u0 = GaussianRandomField().sample(count: 3, points: n, generator: Generator(seed: 7))
        let uT = BurgersSolver(points: n).solve(u0, rows: 3, time: 1, steps: 50)
        for r in 0..<3 {
            let row0 = u0[(r * n)..<((r + 1) * n)], rowT = uT[(r * n)..<((r + 1) * n)]
            let mean0 = row0.reduce(0, +) / Double(n), meanT = rowT.reduce(0, +) / Double(n)
            #expect(abs(mean0 - meanT) < 1e-12, "mean \(mean0) → \(meanT)")
            let e0 = row0.map { $0 * $0 }.reduce(0, +), eT = rowT.map { $0 * $0 }.reduce(0, +)
            #expect(eT < e0 && eT > 0, "energy \(e0) → \(eT)")
        }
    }
}

@Suite("Gaussian random field")
struct GaussianRandomFieldTests {
    @Test("zero mean per draw, pointwise variance Σ 2σ²((2πk)² + τ²)^(−γ), periodic spectrum")
    func statistics() {
        let grf = GaussianRandomField(), n = 64, count = 4000
        let u = grf.sample(count: count, points: n, generator: Generator(seed: 3))
        // The constant mode is exactly the mean: every draw has spatial mean 0.
        for r in stride(from: 0, to: count, by: 97) {
            let mean = u[(r * n)..<((r + 1) * n)].reduce(0, +) / Double(n)
            #expect(abs(mean) < 1e-12)
        }
        // Sample variance over draws and points vs the closed form (4000·64 values, ~2% noise).
        let variance = u.map { $0 * $0 }.reduce(0, +) / Double(u.count)
        let expected = grf.pointwiseVariance(points: n)
        #expect(abs(variance / expected - 1) < 0.05, "variance \(variance), expected \(expected)")
        // Mode 1's cosine coefficient: 2/n·Σ u_j cos(2πj/n) has standard deviation s₁.
        var sumSq = 0.0
        for r in 0..<count {
            var c = 0.0
            for j in 0..<n { c += u[r * n + j] * Foundation.cos(2 * Double.pi * Double(j) / Double(n)) }
            c *= 2 / Double(n)
            sumSq += c * c
        }
        let s1 = grf.modeStandardDeviation(1)
        #expect(abs((sumSq / Double(count)).squareRoot() / s1 - 1) < 0.05)
    }

    @Test("the same generator seed gives the same draws; the variance matches the paper's law")
    func reproducible() {
        let grf = GaussianRandomField()
        let a = grf.sample(count: 2, points: 32, generator: Generator(seed: 1))
        let b = grf.sample(count: 2, points: 32, generator: Generator(seed: 1))
        let c = grf.sample(count: 2, points: 32, generator: Generator(seed: 2))
        #expect(a == b)
        #expect(a != c)
        // N(0, 625(−Δ + 25)^−2): mode 1 has standard deviation √2·25/(4π² + 25).
        #expect(abs(grf.modeStandardDeviation(1) - 2.0.squareRoot() * 25 / (4 * Double.pi * Double.pi + 25)) < 1e-15)
    }
}
