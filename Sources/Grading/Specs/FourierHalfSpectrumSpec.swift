import Foundation
import LayerKit

extension LayerSpec {
    /// Custom Layers, exercise 2: the leading half of the Fourier coefficients of the last
    /// axis as `[..., m, 2]`, with `m = n/2` or `n/2 + 1` (both accepted).
    static var fourierHalfSpectrum: LayerSpec {
        LayerSpec(
            exercise: .fourierHalfSpectrum,
            makeInput: { BuildInput() },
            inputShape: [4, 16],
            shapeCases: [[4, 16], [1, 16], [3, 2, 10], [16, 8]].map(fourierShapeCase),
            reference: { module, _ in
                let m = fourierCount(module)
                return { x in x.rfft().narrow(axis: -2, start: 0, length: m(x.shape.last ?? 1)) }
            },
            valuesHint: "expected numpy.fft.rfft(x)[..., :m] over the last axis, unnormalised, as (real, imag) pairs",
            parameters: { module, _ in
                guard module.parameterCount == 0 else {
                    throw Failed(figure: "\(module.parameterCount) trainable numbers",
                                 reason: "the Fourier transform has nothing to learn: keep constants out of Parameter")
                }
                return "no parameters (none needed)"
            },
            extra: [
                Criterion(.imaginaryParts) { candidate in
                    let (module, _) = try LayerSpec.fourierHalfSpectrum.build(candidate)
                    // sin(2πt/8): its only coefficient in the leading half is X_1 = −4i, purely imaginary.
                    let t = (0..<8).map { sin(2 * Double.pi * Double($0) / 8) }
                    let y = withNoGrad { module(Tensor(t, shape: [1, 8], dtype: .float64)) }
                    guard y.shape.last == 2, y.rank == 3 else {
                        throw Failed(figure: "output shape \(y.shape) for input [1, 8]",
                                     reason: "no (real, imag) pairs: the imaginary parts are missing — .real alone drops them (a sine's coefficients are purely imaginary)")
                    }
                    guard y.shape[0] == 1, y.shape[1] >= 4 else {
                        throw Failed(figure: "output shape \(y.shape) for input [1, 8]", reason: "expected [1, 4, 2] or [1, 5, 2]")
                    }
                    let v = y.doubles(), re = v[2], im = v[3]
                    guard Swift.abs(im + 4) < 1e-9, Swift.abs(re) < 1e-9 else {
                        let want = Tensor(t, shape: [1, 8], dtype: .float64).rfft().narrow(axis: -2, start: 0, length: y.shape[1])
                        let named = describeDifference(y, want, n: 8).map { ": " + $0 } ?? ": keep the imaginary part in the last axis"
                        throw Failed(figure: String(format: "X_1 = %.3g %+.3gi", re, im),
                                     reason: "X_1 of sin(2πt/8) must be 0 − 4i" + named)
                    }
                    return String(format: "X_1 of sin(2πt/8) = %.1g %+.3gi", re, im)
                },
                Criterion(.oddLengths) { candidate in
                    let (module, _) = try LayerSpec.fourierHalfSpectrum.build(candidate)
                    let m = fourierCount(module)
                    var counts: [String] = []
                    for shape in [[3, 15], [2, 1], [2, 3, 7]] {
                        let x = Tensor.randn(shape, dtype: .float64), n = shape.last!
                        let want = x.rfft().narrow(axis: -2, start: 0, length: m(n))
                        _ = try difference(withNoGrad { module(x) }, want, what: "output for n = \(n)",
                                           hint: "odd n has no Nyquist bin: the leading half is rfft(x)[..., :n//2] (n//2 + 1 with DC and all positive bins)")
                        counts.append("n=\(n)→m=\(m(n))")
                    }
                    let convention = m(16) == 9 ? "n/2 + 1 (with Nyquist)" : "n/2"
                    return "m = \(convention): " + counts.joined(separator: ", ")
                },
            ])
    }
}

/// The candidate's convention as a function of n: `n/2 + 1` if it returns 9 coefficients for
/// n = 16, otherwise `n/2`.
func fourierCount(_ module: Module) -> (Int) -> Int {
    let probe = withNoGrad { module(Tensor.zeros([1, 16], dtype: .float64)) }.shape
    let nyquist = probe.count >= 2 && probe[probe.count - 2] == 9
    return { n in nyquist ? n / 2 + 1 : n / 2 }
}

/// Accepts `[lead..., m, 2]` with `m` either `n/2` or `n/2 + 1`, and says what is wrong otherwise.
func fourierShapeCase(_ input: [Int]) -> ShapeCase {
    let lead = Array(input.dropLast()), n = input.last!
    return ShapeCase(input: input, expected: "\(lead + [n / 2, 2]) or \(lead + [n / 2 + 1, 2])") { out in
        if out.last != 2 || out.count != input.count + 1 {
            return "the last axis must hold (real, imag) pairs — returning .real alone drops the imaginary parts"
        }
        if Array(out.prefix(lead.count)) != lead {
            return "the leading (batch) axes changed: transform the last axis (-1), not axis 0"
        }
        let m = out[out.count - 2]
        if m == n { return "all n coefficients returned: for real input the upper half mirrors the lower; keep the leading n/2" }
        if m != n / 2 && m != n / 2 + 1 { return "expected n/2 = \(n / 2) (or n/2 + 1 = \(n / 2 + 1)) coefficients, got \(m)" }
        return nil
    }
}
