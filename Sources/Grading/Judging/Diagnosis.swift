import Foundation
import LayerKit

// Naming a wrong output. When the candidate's output differs from the reference, the grader
// asks what the difference *is*, from the maths of the comparison alone (no list of answers):
// does the layer give the same output twice, does a row of the output depend on other rows of
// the input, is the output all zero, does it agree only to float32 precision, or is it a
// constant multiple of the reference — possibly after conjugating or swapping (re, im) pairs.

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

/// A plain description of a wrong output `got` compared with the reference `want`, when the
/// difference is recognisable; `n` is the length of the input's last axis (for naming 1/n,
/// 1/√n), `what` names the compared tensor. Nil when nothing is recognised.
func describeDifference(_ got: Tensor, _ want: Tensor, n: Int, what: String = "the output") -> String? {
    guard got.shape == want.shape else { return nil }
    let g = got.to(.float64).doubles(), w = want.to(.float64).doubles()
    let wMax = w.map(Swift.abs).max() ?? 0, gMax = g.map(Swift.abs).max() ?? 0
    guard wMax > 0, g.allSatisfy(\.isFinite) else { return nil }
    if gMax == 0 {
        return "\(what) is all zeros: nothing of the input reaches it (a result overwritten with zeros, or a loop that never adds into it)"
    }
    let relative = (zip(g, w).map { Swift.abs($0 - $1) }.max() ?? 0) / max(1, wMax)
    if relative < 1e-4 {
        return String(format: "%@ agrees with the reference to %.1e but not to 1e-9: it is computed in float32 somewhere — keep the input's dtype (a Tensor made without dtype: is float32; use dtype: x.dtype, no .to(.float32))", what, relative)
    }
    // Constant multiples of the reference, after each transformation of (re, im) pairs.
    var transforms: [(String, [Double])] = [("", w)]
    if want.shape.last == 2 {
        let pairs = stride(from: 0, to: w.count, by: 2)
        transforms.append(("conjugate", pairs.flatMap { [w[$0], -w[$0 + 1]] }))
        transforms.append(("swapped", pairs.flatMap { [w[$0 + 1], w[$0]] }))
        transforms.append(("swapped conjugate", pairs.flatMap { [-w[$0 + 1], w[$0]] }))
    }
    for (name, t) in transforms {
        let tt = zip(t, t).map(*).reduce(0, +), gt = zip(g, t).map(*).reduce(0, +)
        guard tt > 0 else { continue }
        let c = gt / tt
        let residual = zip(g, t).map { Swift.abs($0 - c * $1) }.max() ?? 0
        guard residual <= 1e-6 * max(gMax, 1e-300), Swift.abs(c) > 1e-12 else { continue }
        let scale = Swift.abs(c - 1) < 1e-6 ? nil : describeScale(c, n: n)
        switch (name, scale) {
        case ("", nil): return nil
        case ("", let s?): return "\(what) is the reference \(s): remove that constant factor (a normalisation the exercise does not ask for, or a mean where a sum belongs)"
        case ("conjugate", _):
            return "\(what) is the complex conjugate of the reference\(scale.map { ", \($0)," } ?? ""): the imaginary parts have the wrong sign — the transform uses e^{−2πi·kt/n}, with a minus sign in the exponent"
        case ("swapped", _):
            return "(re, im) are in the wrong order\(scale.map { " (and \(what) is \($0))" } ?? ""): the last axis must hold (real, imaginary), real first"
        default:
            return "(re, im) are swapped and conjugated\(scale.map { " (and \($0))" } ?? ""): the last axis must hold (real, imaginary) with e^{−2πi·kt/n}"
        }
    }
    return nil
}

/// `c` as a multiple people recognise: `scaled by 1/√n (n = 16)`, or the number.
func describeScale(_ c: Double, n: Int) -> String {
    let m = Double(n)
    let named: [(String, Double)] = [("1/n", 1 / m), ("1/√n", 1 / m.squareRoot()), ("n", m), ("√n", m.squareRoot()),
                                     ("1/n²", 1 / (m * m)), ("n²", m * m), ("−1", -1), ("2", 2), ("1/2", 0.5)]
    for (label, value) in named where n > 1 || label.hasPrefix("−") || label == "2" || label == "1/2" {
        if Swift.abs(c - value) <= 1e-6 * Swift.abs(value) {
            return label.contains("n") ? String(format: "scaled by %@ = %.4g (n = %d)", label, value, n) : "scaled by \(label)"
        }
    }
    return String(format: "scaled by a constant factor %.4g", c)
}
