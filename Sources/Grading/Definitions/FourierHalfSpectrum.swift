import Exercises
import Foundation
import LayerKit

extension ExerciseDefinition {
    /// Custom Layers, exercise 2: the leading half of the Fourier coefficients of the last
    /// axis as `[..., m, 2]`, with `m = n/2` or `n/2 + 1` (both accepted).
    static var fourierHalfSpectrum: ExerciseDefinition {
        var spec = LayerSpec(
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
            extra: [],
            sizeProbes: [.batch(4, 6), .lastAxis("n", meaning: "the input's length", 16, 12)],
            namedMistake: { spectralBins($0) })
        // The extra criteria see the spec as it is so far, for the values diagnosis.
        let values = spec
        spec.extra = [
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
                    // What is wrong with X_1 is what is wrong with every output: the values' diagnosis.
                    let named = try values.valuesFailure(session).map { ": \($0.reason)" } ?? ""
                    throw Failed(figure: String(format: "X_1 = %.3g %+.3gi", re, im), reason: "X_1 of sin(2πt/8) must be 0 − 4i" + named)
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
                    do {
                        _ = try difference(got, want, what: "output for n = \(n)",
                                           hint: "odd n has no Nyquist bin: the leading half is rfft(x)[..., :n//2] (n//2 + 1 with DC and all positive bins)")
                    } catch let failed as Failed {
                        // A layer already wrong for n = 16 is wrong here for the same reason.
                        guard try values.valuesFailure(session) != nil else { throw failed }
                        throw Failed(figure: failed.figure,
                                     reason: "the output for n = \(n) differs too; this follows from the values: it already differs for n = 16 (see `values`)")
                    }
                    counts.append("n=\(n)→m=\(m(n))")
                }
                let convention = m(16) == 9 ? "n/2 + 1 (with Nyquist)" : "n/2"
                return "m = \(convention): " + counts.joined(separator: ", ")
            },
        ]
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
                Candidate.fourierHalfSpectrum("dc-dropped", summary: "returns rfft(x)[..., 1:m+1]: bins X_1 … X_m, the DC bin dropped") {
                    DCDroppedFourier()
                }.asKnownWrong(failing: .values),
                Candidate.fourierHalfSpectrum("trailing-half", summary: "returns the trailing half of the full DFT, fft(x)[..., n−m:]") {
                    TrailingHalfFourier()
                }.asKnownWrong(failing: .values),
                Candidate.fourierHalfSpectrum("mean-removed", summary: "removes the input's mean before the transform") {
                    MeanRemovedFourier()
                }.asKnownWrong(failing: .values),
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

/// Names a wrong spectrum whose bins are other bins of the input's DFT, or that is right in
/// every bin but X_0. Each output bin j is matched, in every row at once (to 1e-9), against
/// every bin X_0 … X_{n−1} of the full DFT (`X_{n−k} = conj(X_k)` for real input); with
/// random input no two bins coincide, so a match says exactly which bin it holds:
///
/// - bins X_1 … X_m: shifted by one, the DC bin dropped (`rfft(x)[..., 1:m+1]`);
/// - bins X_{n−m} … X_{n−1}: the trailing half of the full DFT;
/// - another run or order of bins: which bins, in which order;
/// - every bin right but X_0, and X_0 zero: the mean removed first (a constant added to the
///   input moves X_0 alone, by n times that constant).
func spectralBins(_ trial: Trial) -> String? {
    let x = trial.x, got = trial.got
    guard let n = x.shape.last, n >= 2, got.rank == x.rank + 1, got.shape.last == 2 else { return nil }
    let m = got.shape[got.rank - 2], rows = x.count / n, h = n / 2 + 1
    guard m >= 1, got.count == rows * m * 2 else { return nil }
    let half = x.reshape([rows, n]).rfft().to(.float64).doubles()
    func bin(_ r: Int, _ k: Int) -> (re: Double, im: Double) {
        k < h ? (half[(r * h + k) * 2], half[(r * h + k) * 2 + 1]) : (half[(r * h + n - k) * 2], -half[(r * h + n - k) * 2 + 1])
    }
    let g = got.to(.float64).doubles()
    func output(_ r: Int, _ j: Int) -> (re: Double, im: Double) { (g[(r * m + j) * 2], g[(r * m + j) * 2 + 1]) }
    let tolerance = 1e-9 * max(1, half.map(Swift.abs).max() ?? 0)
    func close(_ a: (re: Double, im: Double), _ b: (re: Double, im: Double)) -> Bool {
        Swift.abs(a.re - b.re) <= tolerance && Swift.abs(a.im - b.im) <= tolerance
    }
    /// The one DFT bin output bin j holds in every row, or nil.
    func source(_ j: Int) -> Int? {
        let bins = (0..<n).filter { k in (0..<rows).allSatisfy { close(output($0, j), bin($0, k)) } }
        return bins.count == 1 ? bins[0] : nil
    }
    let sources = (0..<m).map(source)
    let ks = sources.compactMap { $0 }
    if ks.count == m {
        if ks == (0..<m).map({ n - m + $0 }) {
            return "the output holds X_\(n - m) … X_\(n - 1), the trailing half of the full DFT (for real input these mirror the leading bins, X_{n−k} = conj(X_k)): keep the leading half, X_0 … X_\(m - 1)"
        }
        if ks == (0..<m).map({ $0 + 1 }) {
            return "every bin is shifted by one: the output holds X_1 … X_\(m), so the DC bin X_0 is dropped — the leading half starts at X_0 (rfft(x)[..., :m], not [..., 1:m+1])"
        }
        let shown = ks.prefix(4).map { "X_\($0)" }.joined(separator: ", ") + (m > 4 ? ", …" : "")
        return "the output holds the bins \(shown) of the DFT, in that order: expected X_0 … X_\(m - 1)"
    }
    if m >= 2, sources[0] == nil, (1..<m).allSatisfy({ sources[$0] == $0 }) {
        if (0..<rows).allSatisfy({ close(output($0, 0), (0, 0)) }) {
            return "every bin but X_0 matches, and X_0 is 0: the input's mean is removed before the transform (or the DC bin zeroed) — X_0 must be Σ_t x_t, n times the mean: transform the input as it is"
        }
        return "every bin but X_0, the DC bin (Σ_t x_t), matches the reference: only X_0 is computed wrongly"
    }
    return nil
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

/// Fourier returning bins 1 … m (`rfft(x)[..., 1:m+1]`): "the DC bin is just the mean", so it
/// is skipped, and every bin is shifted by one.
final class DCDroppedFourier: Module {
    override func forward(_ x: Tensor) -> Tensor {
        let n = x.shape.last ?? 1
        return x.rfft().narrow(axis: -2, start: 1, length: n / 2)
    }
}

/// Fourier returning the trailing half of the full DFT, `X_{n−m} … X_{n−1}` (`fft(x)[..., -m:]`):
/// for real input these mirror the leading bins (`X_{n−k} = conj(X_k)`).
final class TrailingHalfFourier: Module {
    override func forward(_ x: Tensor) -> Tensor {
        let n = x.shape.last ?? 1, m = n / 2
        return AllCoefficientsFourier()(x).narrow(axis: -2, start: n - m, length: m)
    }
}

/// Fourier of the centred input, `rfft(x − mean(x))`, "as CenteredLayer taught": X_0 becomes
/// 0 and every other bin is unchanged.
final class MeanRemovedFourier: Module {
    override func forward(_ x: Tensor) -> Tensor { leadingHalf(x - x.mean(axis: -1, keepDims: true)) }
}

/// Fourier that allocates the result and never fills it.
final class ZeroFourier: Module {
    override func forward(_ x: Tensor) -> Tensor { Tensor.zeros(leadingHalf(x).shape, dtype: x.dtype) }
}
