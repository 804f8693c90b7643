import ComplexModule
import Foundation
import LayerKit

/// The viscous Burgers equation on the periodic interval [0, 1),
///
///     u_t + (u²/2)_x = ν u_xx,
///
/// solved pseudo-spectrally in float64: Fourier in space (LayerKit's FFTW-backed
/// ``LayerKit/Tensor/rfft()`` and ``LayerKit/Tensor/irfft(n:)`` over a batch of rows), ETDRK4 in time
/// (Cox–Matthews, with Kassam–Trefethen's contour-integral coefficients), and the 2/3 rule
/// on the nonlinear term.
///
/// In Fourier space, `v_k' = L_k v_k + N_k(v)` with `L_k = −ν(2πk)²` (exact, stiff) and
/// `N_k(v) = −(i·2πk/2)·F[(F⁻¹v)²]_k` for `k < n/3`, 0 above (dealiasing). One step of size h:
///
///     a = E₂v + Q·N(v)             b = E₂v + Q·N(a)            c = E₂a + Q·(2N(b) − N(v))
///     v ← E·v + f₁·N(v) + 2f₂·(N(a) + N(b)) + f₃·N(c)
///
/// with `E = e^{hL}`, `E₂ = e^{hL/2}` and `Q, f₁, f₂, f₃` the φ-functions of `hL`, each a
/// mean over 32 points of a unit circle around `hL` (no cancellation for small `|hL|`).
///
/// Checked against the exact Cole–Hopf solutions in the tests: with 8192 points and
/// `h = 0.01` the maximum error at `T = 1` is ~1e-13 (see Notes/burgers-experiment.md).
///
///     let solver = BurgersSolver(points: 8192, viscosity: 0.1)
///     let uT = solver.solve(u0, rows: 4, time: 1, steps: 100)     // u0: 4·8192 values
public struct BurgersSolver: Sendable {
    /// Grid points per row (`x_j = j/n`).
    public let points: Int
    /// The viscosity ν.
    public let viscosity: Double
    /// Rows transformed together (bounds the scratch memory: `rowsPerChunk·points` doubles per array).
    public var rowsPerChunk: Int

    /// A solver on `points` grid points with viscosity `viscosity`.
    public init(points: Int, viscosity: Double = 0.1, rowsPerChunk: Int = 32) {
        precondition(points >= 4, "BurgersSolver: need at least 4 points, got \(points)")
        precondition(viscosity > 0, "BurgersSolver: the viscosity must be positive, got \(viscosity)")
        self.points = points
        self.viscosity = viscosity
        self.rowsPerChunk = max(1, rowsPerChunk)
    }

    /// Integrates `rows` initial conditions (`rows·points` values, row after row) from t = 0 to
    /// `time` in `steps` equal ETDRK4 steps and returns `u(·, time)` in the same layout.
    public func solve(_ u0: [Double], rows: Int, time: Double, steps: Int) -> [Double] {
        precondition(u0.count == rows * points, "BurgersSolver.solve: expected \(rows)×\(points) values, got \(u0.count)")
        precondition(steps >= 1 && time > 0, "BurgersSolver.solve: need steps ≥ 1 and time > 0, got \(steps), \(time)")
        let c = ETDRK4Coefficients(points: points, viscosity: viscosity, step: time / Double(steps))
        var out = [Double](repeating: 0, count: u0.count)
        for lo in stride(from: 0, to: rows, by: rowsPerChunk) {
            let hi = min(rows, lo + rowsPerChunk)
            let chunk = Array(u0[(lo * points)..<(hi * points)])
            let uT = integrate(chunk, rows: hi - lo, steps: steps, c)
            out.replaceSubrange((lo * points)..<(hi * points), with: uT)
        }
        return out
    }

    /// ETDRK4 on one chunk of rows.
    private func integrate(_ u0: [Double], rows: Int, steps: Int, _ c: ETDRK4Coefficients) -> [Double] {
        let n = points, bins = n / 2 + 1
        var v = Tensor(u0, shape: [rows, n], dtype: .float64).rfft().doubles()
        let size = v.count
        var a = [Double](repeating: 0, count: size), b = a, cc = a, next = a
        for _ in 0..<steps {
            let nv = nonlinear(v, rows: rows, c)
            combine(&a, size, bins) { k, i in c.e2[k] * v[i] + c.q[k] * nv[i] }
            let na = nonlinear(a, rows: rows, c)
            combine(&b, size, bins) { k, i in c.e2[k] * v[i] + c.q[k] * na[i] }
            let nb = nonlinear(b, rows: rows, c)
            combine(&cc, size, bins) { k, i in c.e2[k] * a[i] + c.q[k] * (2 * nb[i] - nv[i]) }
            let nc = nonlinear(cc, rows: rows, c)
            combine(&next, size, bins) { k, i in
                c.e[k] * v[i] + c.f1[k] * nv[i] + 2 * c.f2[k] * (na[i] + nb[i]) + c.f3[k] * nc[i]
            }
            swap(&v, &next)
        }
        return Tensor(v, shape: [rows, bins, 2], dtype: .float64).irfft(n: n).doubles()
    }

    /// `out[i] = value(k, i)` over interleaved (real, imaginary) spectra, `k` the bin of `i`.
    @inline(__always)
    private func combine(_ out: inout [Double], _ size: Int, _ bins: Int, _ value: (Int, Int) -> Double) {
        out.withUnsafeMutableBufferPointer { o in
            var i = 0
            while i < size {
                for k in 0..<bins {
                    o[i] = value(k, i)
                    o[i + 1] = value(k, i + 1)
                    i += 2
                }
            }
        }
    }

    /// `N(v) = −(i·2πk/2)·F[(F⁻¹v)²]`, zero from bin `n/3` up.
    private func nonlinear(_ v: [Double], rows: Int, _ c: ETDRK4Coefficients) -> [Double] {
        let n = points, bins = n / 2 + 1
        let u = Tensor(v, shape: [rows, bins, 2], dtype: .float64).irfft(n: n)
        var w = (u * u).rfft().doubles()
        w.withUnsafeMutableBufferPointer { w in
            for r in 0..<rows {
                let base = r * bins * 2
                for k in 0..<bins {
                    // −(i·g)(x + iy) = g·y − i·g·x with g = πk (zero past the dealiasing cut).
                    let g = c.g[k], re = w[base + 2 * k], im = w[base + 2 * k + 1]
                    w[base + 2 * k] = g * im
                    w[base + 2 * k + 1] = -g * re
                }
            }
        }
        return w
    }
}

/// The per-bin ETDRK4 factors for `L_k = −ν(2πk)²` and step `h`, and the dealiased
/// nonlinear factor `g_k = πk` (0 for `k ≥ n/3`).
struct ETDRK4Coefficients {
    var e: [Double] = [], e2: [Double] = [], q: [Double] = []
    var f1: [Double] = [], f2: [Double] = [], f3: [Double] = []
    var g: [Double] = []

    init(points n: Int, viscosity: Double, step h: Double, contourPoints m: Int = 32) {
        let bins = n / 2 + 1
        // Points on the upper half of the unit circle: L is real, so the lower half gives the
        // complex conjugates and the real part of the mean is the same.
        let roots = (0..<m).map { j in Complex<Double>.exp(Complex(0, Double.pi * (Double(j) + 0.5) / Double(m))) }
        for k in 0..<bins {
            let kappa = 2 * Double.pi * Double(k)
            let hl = -viscosity * kappa * kappa * h
            e.append(Foundation.exp(hl))
            e2.append(Foundation.exp(hl / 2))
            var sq = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
            for r in roots {
                let z = Complex(hl) + r
                let ez = Complex.exp(z), ez2 = Complex.exp(z / 2)
                let z3 = z * z * z
                sq += ((ez2 - 1) / z).real
                s1 += ((-4 - z + ez * (4 - 3 * z + z * z)) / z3).real
                s2 += ((2 + z + ez * (z - 2)) / z3).real
                s3 += ((-4 - 3 * z - z * z + ez * (4 - z)) / z3).real
            }
            let mean = h / Double(m)
            q.append(sq * mean)
            f1.append(s1 * mean)
            f2.append(s2 * mean)
            f3.append(s3 * mean)
            g.append(3 * k < n && k < n / 2 ? Double.pi * Double(k) : 0)
        }
    }
}
