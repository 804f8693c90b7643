import Foundation
import LayerKit

// Naming a wrong output. When the candidate's output differs from the reference, the grader
// asks what the difference *is*, from the maths of the comparison alone (no list of answers):
// does the layer give the same output twice, does a row of the output depend on other rows of
// the input, is the output all zero, does it agree only to float32 precision, or is it a
// multiple of the reference — possibly after conjugating or swapping (re, im) pairs, and by a
// factor named only as far as more measurements confirm it (FactorNaming.swift). The order
// and the exercise-specific names are in ValuesDiagnosis.swift.

/// Why two calls on the same input differ, or nil when they agree exactly.
func nonDeterminism(of module: RemoteModule, on x: Tensor) throws -> Failed? {
    let outputs = try module.forward([x, x])
    let (a, b) = (outputs[0], outputs[1])
    guard a.shape == b.shape else {
        return Failed(figure: "shapes \(a.shape) then \(b.shape)", reason: "two calls on the same input give different shapes: forward must not keep state between calls")
    }
    let diff = a.maxAbsDifference(b)
    guard diff > 0 || diff.isNaN else { return nil }
    return Failed(figure: String(format: "two calls differ by %.2e", diff),
                  reason: "two calls on the same input give different outputs: forward must be deterministic — no random numbers (a Dropout left in, a fresh randn) and no state kept between calls")
}

/// Why the output's rows depend on other rows of the input (changing row 0 of `x` changes
/// another row of the output), or nil when each row is computed from its own.
func rowMixing(of module: RemoteModule, on x: Tensor) throws -> Failed? {
    guard x.rank >= 2, x.shape[0] > 1 else { return nil }
    var values = x.doubles()
    let rowSize = values.count / x.shape[0]
    for j in 0..<rowSize { values[j] += 1 + Double(j % 3) }
    let perturbed = Tensor(values, shape: x.shape, dtype: x.dtype)
    let outputs = try module.forward([x, perturbed])
    let (before, after) = (outputs[0].to(.float64), outputs[1].to(.float64))
    guard before.shape == after.shape, before.rank >= 1, before.shape[0] == x.shape[0] else { return nil }
    let b = before.doubles(), a = after.doubles(), outRow = b.count / x.shape[0]
    let scale = max(1, b.map(Swift.abs).max() ?? 0)
    var changed: [Int] = [], worst = 0.0
    for row in 1..<x.shape[0] {
        let d = (row * outRow ..< (row + 1) * outRow).map { Swift.abs(a[$0] - b[$0]) }.max() ?? 0
        if !(d <= 1e-12 * scale) { changed.append(row); worst = max(worst, d) }
    }
    guard !changed.isEmpty else { return nil }
    return Failed(figure: String(format: "changing input row 0 moved output row(s) %@ by up to %.2e",
                                 changed.prefix(4).map(String.init).joined(separator: ", "), worst),
                  reason: "rows of a batch depend on other rows: changing only row 0 of the input changed other rows of the output — compute each row from its own input row (a reshape or transpose across the batch axis, or a sum/mean over axis 0, mixes them)")
}

/// Why finite differences cannot see the layer, when its output does not move at all as the
/// input moves by 1e-9 (relative) in each element although it moves for a larger step: it
/// computes in float32, whose resolution near 1 is 6e-8 — such steps are lost. Nil otherwise.
func float32Blindness(of module: RemoteModule, at x: Tensor) throws -> String? {
    let values = x.doubles()
    func moved(_ step: Double) -> Tensor {
        Tensor(values.map { $0 + step * max(1, Swift.abs($0)) }, shape: x.shape, dtype: x.dtype)
    }
    let outputs = try module.forward([x, moved(1e-9), moved(1e-2)])
    let (a, tiny, large) = (outputs[0], outputs[1], outputs[2])
    // Blind to the tiny step, yet not a constant function (the large step moves it).
    guard a.shape == tiny.shape, a.shape == large.shape, a.count > 0,
          a.maxAbsDifference(tiny) == 0, a.maxAbsDifference(large) > 0 else { return nil }
    return "the output does not change at all when the input moves by 1e-9: the layer computes in float32, where such steps are lost, so finite differences (and learning with small steps) see nothing — keep the input's dtype"
}

/// What a wrong output is, when no further measurement is needed to say it.
enum PlainDifference: Equatable {
    /// Every entry is 0 and the reference is not all zeros.
    case allZeros
    /// It agrees with the reference to this relative precision only, below 1e-4; `throughFloat32`
    /// when every entry is a float32 number (the output went through float32 arithmetic).
    case float32(Double, throughFloat32: Bool)
}

/// `got` compared with the reference `want` (same shape): all zeros, or agreement to float32
/// precision only (between 1e-4 and the values' tolerance, 1e-9), and whether its entries are
/// float32 numbers; nil otherwise — also when they agree, when `want` is all zeros or when
/// `got` is not finite.
func plainDifference(_ got: Tensor, _ want: Tensor) -> PlainDifference? {
    guard got.shape == want.shape else { return nil }
    let g = got.to(.float64).doubles(), w = want.to(.float64).doubles()
    let wMax = w.map(Swift.abs).max() ?? 0, gMax = g.map(Swift.abs).max() ?? 0
    guard wMax > 0, g.allSatisfy(\.isFinite) else { return nil }
    if gMax == 0 { return .allZeros }
    let relative = (zip(g, w).map { Swift.abs($0 - $1) }.max() ?? 0) / max(1, wMax)
    guard relative < 1e-4, relative > valueTolerance else { return nil }
    // A float64 tensor computed in float32 and converted back holds float32 numbers only; a
    // small term (an epsilon) agrees to the same precision but does not.
    return .float32(relative, throughFloat32: g.allSatisfy { Double(Float($0)) == $0 })
}

/// The reason for a ``PlainDifference`` of `what` (e.g. "the output").
func describe(_ difference: PlainDifference, what: String) -> String {
    switch difference {
    case .allZeros:
        return "\(what) is all zeros: nothing of the input reaches it (a result overwritten with zeros, or a loop that never adds into it)"
    case .float32(let relative, throughFloat32: true):
        return String(format: "%@ agrees with the reference to %.1e but not to 1e-9, and holds float32 numbers only: it is computed in float32 somewhere — keep the input's dtype (a Tensor made without dtype: is float32; use dtype: x.dtype, no .to(.float32))", what, relative)
    case .float32(let relative, throughFloat32: false):
        return String(format: "%@ agrees with the reference to %.1e but not to 1e-9: something small differs — float32 arithmetic somewhere (keep the input's dtype), or a small term such as an epsilon", what, relative)
    }
}

/// A rearrangement of the (re, im) pairs in a last axis of 2, under which a wrong spectrum
/// may be a multiple of the reference.
enum PairTransform: CaseIterable {
    case none, conjugate, swapped, swappedConjugate

    /// `values` (pairs along the last axis) rearranged.
    func apply(_ values: [Double]) -> [Double] {
        let pairs = stride(from: 0, to: values.count - 1, by: 2)
        switch self {
        case .none: return values
        case .conjugate: return pairs.flatMap { [values[$0], -values[$0 + 1]] }
        case .swapped: return pairs.flatMap { [values[$0 + 1], values[$0]] }
        case .swappedConjugate: return pairs.flatMap { [-values[$0 + 1], values[$0]] }
        }
    }
}

/// The first rearrangement T (none first; the pair ones only for a last axis of 2) and the
/// factor c with `got = c·T(want)`; nil when there is none.
func multipleOfReference(_ got: Tensor, _ want: Tensor) -> (PairTransform, Double)? {
    guard got.shape == want.shape else { return nil }
    let g = got.to(.float64).doubles(), w = want.to(.float64).doubles()
    let transforms: [PairTransform] = want.shape.last == 2 ? PairTransform.allCases : [.none]
    for transform in transforms {
        if let c = multipleFactor(g, of: transform.apply(w)) { return (transform, c) }
    }
    return nil
}

/// The reason for `what` being `T(reference)` scaled: `scale` is the factor's description
/// (for T = none, ``describeFactor(_:what:)``'s whole sentence), `factor` the number.
func describeMultiple(_ transform: PairTransform, factor: Double, scale: String, what: String) -> String {
    let times = sameFactor(factor, 1) ? ":" : ", times \(formatFactor(factor)):"
    switch transform {
    case .none:
        return scale
    case .conjugate:
        return "\(what) is the complex conjugate of the reference\(times) the imaginary parts have the wrong sign — the transform uses e^{−2πi·kt/n}, with a minus sign in the exponent"
    case .swapped:
        return "(re, im) are in the wrong order\(sameFactor(factor, 1) ? "" : " (and \(what) is \(formatFactor(factor)) × the reference)"): the last axis must hold (real, imaginary), real first"
    case .swappedConjugate:
        return "(re, im) are swapped and conjugated\(sameFactor(factor, 1) ? "" : " (and \(what) is \(formatFactor(factor)) × the reference)"): the last axis must hold (real, imaginary) with e^{−2πi·kt/n}"
    }
}
