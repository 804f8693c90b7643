import Foundation
import LayerKit

/// Periodic Gaussian random fields on [0, 1): draws from `N(m, σ²(−Δ + τ² I)^(−γ))`, the law
/// of the FNO paper's Burgers initial conditions (`σ² = 625`, `τ = 5`, `γ = 2`).
///
/// A draw is the Karhunen–Loève expansion in the periodic Laplacian's eigenfunctions
/// `√2 cos(2πkx)`, `√2 sin(2πkx)` (eigenvalues `(2πk)²`), as the paper's `GRF1.m` builds it:
///
///     u(x) = m + Σ_{k=1}^{K} √2·σ·((2πk)² + τ²)^(−γ/2) · (ξ_k cos 2πkx + η_k sin 2πkx),
///
/// `ξ_k, η_k ~ N(0, 1)` independent, so the constant mode is exactly `m` and
/// `Var u(x) = Σ_k 2σ²((2πk)² + τ²)^(−γ)` at every `x`. The sum is evaluated on a grid of `n`
/// points with one inverse real FFT (LayerKit's ``LayerKit/Tensor/irfft(n:)``), with every mode
/// below Nyquist (`K = n/2 − 1`; the Nyquist mode's standard deviation is below 1e-7 here).
///
///     let grf = GaussianRandomField()                        // the paper's Burgers law
///     let u0 = grf.sample(count: 4, points: 8192, generator: Generator(seed: 0))   // [4·8192]
public struct GaussianRandomField: Sendable {
    /// The mean `m` (the constant mode).
    public var mean: Double
    /// The scale `σ` (the covariance is `σ²(−Δ + τ²)^(−γ)`).
    public var sigma: Double
    /// The inverse length scale `τ`.
    public var tau: Double
    /// The smoothness exponent `γ`.
    public var gamma: Double

    /// A field with covariance `σ²(−Δ + τ² I)^(−γ)`; the defaults are the FNO paper's Burgers
    /// initial conditions, `N(0, 625(−Δ + 25 I)^(−2))`.
    public init(mean: Double = 0, sigma: Double = 25, tau: Double = 5, gamma: Double = 2) {
        self.mean = mean
        self.sigma = sigma
        self.tau = tau
        self.gamma = gamma
    }

    /// The standard deviation of the cosine (and of the sine) coefficient of mode `k ≥ 1`:
    /// `√2·σ·((2πk)² + τ²)^(−γ/2)`.
    public func modeStandardDeviation(_ k: Int) -> Double {
        let kappa = 2 * Double.pi * Double(k)
        return 2.0.squareRoot() * sigma * pow(kappa * kappa + tau * tau, -gamma / 2)
    }

    /// The pointwise variance of a draw on an `n`-point grid, `Σ_{k<n/2} 2σ²((2πk)² + τ²)^(−γ)`.
    public func pointwiseVariance(points n: Int) -> Double {
        (0..<max(0, (n + 1) / 2 - 1)).reduce(0) { sum, k in
            let s = modeStandardDeviation(k + 1)
            return sum + s * s
        }
    }

    /// `count` independent draws on the grid `x_j = j/n`, row after row (`count·n` values).
    public func sample(count: Int, points n: Int, generator: Generator) -> [Double] {
        precondition(count >= 0 && n >= 2, "GaussianRandomField.sample: need count ≥ 0 and n ≥ 2, got \(count), \(n)")
        let bins = n / 2 + 1, modes = (n + 1) / 2 - 1
        if count == 0 { return [] }
        let xi = Tensor.randn([count, modes, 2], dtype: .float64, generator: generator).doubles()
        // irfft: u_j = (1/n)(Y_0 + 2 Σ_k Re(Y_k e^{2πikj/n})), and a cos + b sin = Re((a − ib)e^{iθ}),
        // so Y_k = (n/2)(a_k − i b_k) and Y_0 = n·m.
        var spectrum = [Double](repeating: 0, count: count * bins * 2)
        let half = Double(n) / 2
        let scale = (0..<modes).map { modeStandardDeviation($0 + 1) * half }
        for r in 0..<count {
            spectrum[r * bins * 2] = Double(n) * mean
            for k in stride(from: 1, through: modes, by: 1) {
                let src = (r * modes + k - 1) * 2, dst = (r * bins + k) * 2
                spectrum[dst] = scale[k - 1] * xi[src]
                spectrum[dst + 1] = -scale[k - 1] * xi[src + 1]
            }
        }
        return Tensor(spectrum, shape: [count, bins, 2], dtype: .float64).irfft(n: n).doubles()
    }
}
