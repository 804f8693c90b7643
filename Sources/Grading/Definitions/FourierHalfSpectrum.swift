import Exercises
import Foundation
import LayerKit

extension ExerciseDefinition {
    /// Custom Layers, exercise 2: the leading half of the Fourier coefficients of the last
    /// axis as `[..., m, 2]`, with `m = n/2` or `n/2 + 1` (both accepted).
    static var fourierHalfSpectrum: ExerciseDefinition {
        let spec = LayerSpec(
            makeArguments: { SpecArguments() },
            inputShape: [4, 16],
            shapeCases: [[4, 16], [1, 16], [3, 2, 10], [16, 8]].map(fourierShapeCase),
            reference: { input in
                let m = try fourierCount(input.candidate)
                return { x in x.rfft().narrow(axis: -2, start: 0, length: m(x.shape.last ?? 1)) }
            },
            valuesHint: "expected numpy.fft.rfft(x)[..., :m] over the last axis, unnormalised, as (real, imag) pairs",
            parameters: { parameters, _ in
                let count = parameters.map(\.1.count).reduce(0, +)
                guard count == 0 else {
                    throw Failed(figure: "\(count) trainable numbers",
                                 reason: "the Fourier transform has nothing to learn: keep constants out of Parameter")
                }
                return "no parameters (none needed)"
            },
            extra: [
                Criterion(.imaginaryParts) { session in
                    let module = try session.build(SpecArguments())
                    // sin(2πt/8): its only coefficient in the leading half is X_1 = −4i, purely imaginary.
                    let t = (0..<8).map { sin(2 * Double.pi * Double($0) / 8) }
                    let y = try module(Tensor(t, shape: [1, 8], dtype: .float64))
                    guard y.shape.last == 2, y.rank == 3 else {
                        throw Failed(figure: "output shape \(y.shape) for input [1, 8]",
                                     reason: "no (real, imag) pairs: the imaginary parts are missing — .real alone drops them (a sine's coefficients are purely imaginary)")
                    }
                    guard y.shape[0] == 1, y.shape[1] >= 4 else {
                        throw Failed(figure: "output shape \(y.shape) for input [1, 8]", reason: "expected [1, 4, 2] or [1, 5, 2]")
                    }
                    let v = y.to(.float64).doubles(), re = v[2], im = v[3]
                    guard Swift.abs(im + 4) < 1e-9, Swift.abs(re) < 1e-9 else {
                        let want = Tensor(t, shape: [1, 8], dtype: .float64).rfft().narrow(axis: -2, start: 0, length: y.shape[1])
                        let named = describeDifference(y, want, n: 8).map { ": " + $0 } ?? ": keep the imaginary part in the last axis"
                        throw Failed(figure: String(format: "X_1 = %.3g %+.3gi", re, im),
                                     reason: "X_1 of sin(2πt/8) must be 0 − 4i" + named)
                    }
                    return String(format: "X_1 of sin(2πt/8) = %.1g %+.3gi", re, im)
                },
                Criterion(.oddLengths) { session in
                    let module = try session.build(SpecArguments())
                    let m = try fourierCount(module)
                    var counts: [String] = []
                    let inputs = [[3, 15], [2, 1], [2, 3, 7]].map { Tensor.randn($0, dtype: .float64) }
                    for (x, got) in zip(inputs, try module.forward(inputs)) {
                        let n = x.shape.last!
                        let want = x.rfft().narrow(axis: -2, start: 0, length: m(n))
                        _ = try difference(got, want, what: "output for n = \(n)",
                                           hint: "odd n has no Nyquist bin: the leading half is rfft(x)[..., :n//2] (n//2 + 1 with DC and all positive bins)")
                        counts.append("n=\(n)→m=\(m(n))")
                    }
                    let convention = m(16) == 9 ? "n/2 + 1 (with Nyquist)" : "n/2"
                    return "m = \(convention): " + counts.joined(separator: ", ")
                },
            ])
        return ExerciseDefinition(
            exercise: .fourierHalfSpectrum,
            title: "FourierHalfSpectrum: leading half of the Fourier coefficients, (re, im) pairs (Custom Layers, ex. 2)",
            contract: Contract(signature: .noArguments, arguments: "nothing", swiftExample: "let answer = MyFourier.init",
                               pythonExample: "answer = MyFourier", pythonCall: "answer()"),
            spec: spec,
            references: [
                Candidate.fourierHalfSpectrum("FourierHalfSpectrum", summary: "Exercises.FourierHalfSpectrum, m = n/2") {
                    FourierHalfSpectrum()
                }.asReference(),
                Candidate.fourierHalfSpectrum("FourierHalfSpectrum(includeNyquist: true)", summary: "m = n/2 + 1") {
                    FourierHalfSpectrum(includeNyquist: true)
                }.asReference(),
            ],
            knownWrong: [
                Candidate.fourierHalfSpectrum("real-part-only", summary: "returns rfft(x).real: the imaginary parts are dropped") {
                    RealPartFourier()
                }.asKnownWrong(failing: .imaginaryParts),
                Candidate.fourierHalfSpectrum("all-coefficients", summary: "returns all n coefficients of the full DFT") {
                    AllCoefficientsFourier()
                }.asKnownWrong(failing: .outputShape),
                Candidate.fourierHalfSpectrum("wrong-axis", summary: "transforms axis 0 instead of the last axis") {
                    WrongAxisFourier()
                }.asKnownWrong(failing: .outputShape),
                Candidate.fourierHalfSpectrum("orthonormal", summary: "divides by √n (numpy's norm=\"ortho\")") {
                    NormalisedFourier { 1 / Double($0).squareRoot() }
                }.asKnownWrong(failing: .values),
                Candidate.fourierHalfSpectrum("forward-normalised", summary: "divides by n (numpy's norm=\"forward\")") {
                    NormalisedFourier { 1 / Double($0) }
                }.asKnownWrong(failing: .values),
                Candidate.fourierHalfSpectrum("conjugated", summary: "uses e^{+iωt}: the conjugate spectrum") { ConjugatedFourier() }
                    .asKnownWrong(failing: .values),
                Candidate.fourierHalfSpectrum("re-im-swapped", summary: "returns (im, re) pairs") { SwappedFourier() }
                    .asKnownWrong(failing: .values),
                Candidate.fourierHalfSpectrum("all-zeros", summary: "allocates the result and never fills it") { ZeroFourier() }
                    .asKnownWrong(failing: .values),
            ])
    }
}

/// The candidate's convention as a function of n: `n/2 + 1` if it returns 9 coefficients for
/// n = 16, otherwise `n/2`.
func fourierCount(_ module: RemoteModule) throws -> (Int) -> Int {
    let probe = try module(Tensor.zeros([1, 16], dtype: .float64)).shape
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

// MARK: - Known-wrong answers

/// The leading n/2 coefficients of the last axis as (re, im) pairs.
func leadingHalf(_ x: Tensor) -> Tensor { x.rfft().narrow(axis: -2, start: 0, length: (x.shape.last ?? 1) / 2) }

/// Fourier: keeps only the real parts, `rfft(x).real[..., :n/2]` — the phase is lost.
final class RealPartFourier: Module {
    override func forward(_ x: Tensor) -> Tensor { leadingHalf(x).select(axis: -1, index: 0) }
}

/// Fourier: returns all n coefficients of the full DFT (the upper half mirrors the lower:
/// `X_{n-k} = conj(X_k)`), instead of the leading half.
final class AllCoefficientsFourier: Module {
    override func forward(_ x: Tensor) -> Tensor {
        let n = x.shape.last ?? 1, spectrum = x.rfft()
        let conjugate = Tensor([1.0, -1.0], dtype: x.dtype)
        let mirrored = stride(from: (n - 1) / 2, through: 1, by: -1).map {
            spectrum.narrow(axis: -2, start: $0, length: 1) * conjugate
        }
        return Tensor.concat([spectrum] + mirrored, axis: -2)
    }
}

/// Fourier: transforms axis 0 (`torch.fft.rfft(x, dim=0)`) instead of the last axis.
final class WrongAxisFourier: Module {
    override func forward(_ x: Tensor) -> Tensor {
        let n = x.shape[0], moved = x.rank > 1 ? x.transpose(0, x.rank - 1) : x
        let spectrum = moved.rfft().narrow(axis: -2, start: 0, length: n / 2)  // [..., m, 2] with axis 0 last
        return spectrum.rank > 2 ? spectrum.transpose(0, spectrum.rank - 2) : spectrum
    }
}

/// Fourier scaled by a constant depending on n: numpy's `norm="ortho"` (1/√n) or `norm="forward"` (1/n).
final class NormalisedFourier: Module {
    let scale: @Sendable (Int) -> Double
    init(scale: @escaping @Sendable (Int) -> Double) {
        self.scale = scale
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor { leadingHalf(x) * scale(x.shape.last ?? 1) }
}

/// Fourier with e^{+iωt}: every imaginary part has the wrong sign.
final class ConjugatedFourier: Module {
    override func forward(_ x: Tensor) -> Tensor { leadingHalf(x) * Tensor([1.0, -1.0], dtype: x.dtype) }
}

/// Fourier returning (im, re) pairs.
final class SwappedFourier: Module {
    override func forward(_ x: Tensor) -> Tensor {
        let s = leadingHalf(x)
        return Tensor.stack([s.select(axis: -1, index: 1), s.select(axis: -1, index: 0)], axis: -1)
    }
}

/// Fourier that allocates the result and never fills it.
final class ZeroFourier: Module {
    override func forward(_ x: Tensor) -> Tensor { Tensor.zeros(leadingHalf(x).shape, dtype: x.dtype) }
}
