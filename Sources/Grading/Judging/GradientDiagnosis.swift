import Foundation
import LayerKit

// Naming a wrong gradient. A learner who writes a forward with LayerKit's (or PyTorch's)
// operations never differentiates it by hand: autograd does. So when a gradient differs from
// the reference's, the grader first asks whether it is at least the gradient of the
// candidate's *own* output — one directional derivative by central differences, against the
// candidate's gradients along the same random direction. If it is, and the output already
// differs from the reference, the gradient's failure follows from the values: fixing the
// forward fixes it. If it is not, something is cut from the graph (.detach(), .data) or a
// hand-written backward is wrong, and the reason says that.

/// What the gradients criterion knows when a gradient is missing or differs.
struct GradientContext {
    let module: RemoteModule
    let x: Tensor
    /// The output gradient the candidate was differentiated with.
    let seed: Tensor
    /// The candidate's gradients for `seed`.
    let item: RemoteGradients.Item
    /// The names of `item.parameters`.
    let parameterNames: [String]
    /// Whether the candidate's output at `x` agrees with the reference.
    let valuesAgree: Bool

    /// The reason for a gradient that follows from the values.
    static let followsFromValues = "this follows from the values: the output already differs from the reference (see `values`), and this is the gradient of that output — fix the forward; autograd then gives the right gradients"
    /// The reason for a missing gradient that follows from the values.
    static let absentFromValues = "this follows from the values: the output already differs from the reference (see `values`) — fix the forward; autograd then gives the gradients"

    /// Why `name` (the input, or the parameter named `parameter`) got no gradient where the
    /// reference has one: cut from the graph if the output changes when it does, otherwise a
    /// consequence of a forward that does not use it.
    func missingGradientReason(_ name: String, parameter: String?) throws -> String {
        switch try probing(module.session, { try outputChanges(moving: parameter) }) {
        case true?:
            return "no gradient reached \(name), yet the output changes when it does: reading it through .detach() (PyTorch's .data) cuts it out of the graph"
        case false? where !valuesAgree:
            return "no gradient reached \(name) because the output does not change when it does; \(Self.absentFromValues)"
        case false?:
            return "no gradient reached \(name), and the output does not change when it does, although the reference depends on it"
        case nil:
            return "no gradient reached \(name)" + (valuesAgree ? "" : ", and the output already differs from the reference (see `values`): fix the forward first")
        }
    }

    /// Why the gradient `got` of `name` differs from the reference's `want`.
    func differentGradientReason(_ got: Tensor, _ want: Tensor, name: String) throws -> String {
        let what = "the gradient of \(name)"
        if try nonDeterminism(of: module, on: x) != nil {
            return "\(what) differs; this follows from the values: two calls on the same input give different outputs (see `values`) — make forward deterministic; autograd then gives the right gradients"
        }
        if let plain = plainDifference(got, want), case .float32 = plain { return describe(plain, what: what) }
        let own = try probing(module.session) { try gradientsMatchOwnOutput() }
        if !valuesAgree {
            if own == true { return "\(what) differs; \(Self.followsFromValues)" }
            if own == nil { return "\(what) differs, and the output already differs from the reference (see `values`): fix the forward first" }
            return "\(what) differs, and the output already differs from the reference (see `values`); besides, the gradients are not those of your own output (they disagree with its finite differences): part of the forward is cut from the graph (.detach(), .data) or a hand-written backward is wrong — fix the forward first"
        }
        if own == false {
            return "\(what) differs although the output is right: the gradients are not those of your own output (they disagree with its finite differences) — part of the forward is cut from the graph (.detach(), PyTorch's .data) or a hand-written backward (a custom Function) is wrong"
        }
        return "\(what) differs from the reference's: expected the derivative of the exercise's formula"
    }

    /// Whether the output changes at all when the input (`parameter` nil) or the parameter
    /// named `parameter` moves by 1e-3 of its size in a random direction (``probing(_:_:)``
    /// turns a candidate that cannot be asked into "unknown").
    func outputChanges(moving parameter: String?) throws -> Bool {
        func moved(_ t: Tensor) -> Tensor {
            let values = t.to(.float64).doubles(), scale = max(1, values.map(Swift.abs).max() ?? 0)
            return Tensor.randn(t.shape, dtype: .float64) * (1e-3 * scale) + t.to(.float64)
        }
        let outputs: [Tensor]
        if let parameter {
            guard let value = try module.namedParameters().first(where: { $0.0 == parameter })?.1 else { return true }
            outputs = try module.evaluate([(x, [:]), (x, [parameter: moved(value)])])
        } else {
            outputs = try module.forward([x, moved(x)])
        }
        return outputs[0].shape != outputs[1].shape || outputs[0].maxAbsDifference(outputs[1]) != 0
    }

    /// Whether the candidate's gradients for `seed` are those of its own output at `x`: along
    /// one random direction (v for the input, u_p for each parameter) the central difference
    /// of ⟨seed, f⟩ with step 1e-6 must equal ⟨g_x, v⟩ + Σ ⟨g_p, u_p⟩, a missing gradient
    /// counting as zero. Both sides are exact for the layers here up to rounding (≈1e-8), so
    /// the tolerance is 1e-5 relative. Nil when it cannot be measured.
    func gradientsMatchOwnOutput() throws -> Bool? {
        let eps = 1e-6
        func dot(_ a: Tensor?, _ b: Tensor) -> Double {
            guard let a, a.count == b.count else { return 0 }
            return zip(a.to(.float64).doubles(), b.doubles()).map(*).reduce(0, +)
        }
        let gradients = Dictionary(zip(parameterNames, item.parameters), uniquingKeysWith: { first, _ in first })
        let v = Tensor.randn(x.shape, dtype: .float64)
        var analytic = dot(item.input, v)
        var plus: [String: Tensor] = [:], minus: [String: Tensor] = [:]
        for (name, value) in try module.namedParameters() {
            let p = value.to(.float64), u = Tensor.randn(p.shape, dtype: .float64)
            plus[name] = p + u * eps
            minus[name] = p - u * eps
            analytic += dot(gradients[name] ?? nil, u)
        }
        let outputs = try module.evaluate([(x + v * eps, plus), (x - v * eps, minus)])
        guard outputs.allSatisfy({ $0.shape == seed.shape }) else { return nil }
        let numerical = dot(seed, (outputs[0].to(.float64) - outputs[1].to(.float64))) / (2 * eps)
        return Swift.abs(numerical - analytic) <= 1e-5 * (1 + Swift.abs(numerical) + Swift.abs(analytic))
    }
}

extension LayerSpec {
    /// Why `gradcheck` failed for `module` at `x`, from what can be measured: randomness and
    /// float32 arithmetic make finite differences meaningless (both are the values' doing);
    /// a zero from autograd where the output moves is a cut in the graph; otherwise the
    /// gradients are not those of the layer's own output.
    func gradCheckReason(_ report: GradCheckReport, module: RemoteModule, arguments: SpecArguments, at x: Tensor) throws -> String {
        if try nonDeterminism(of: module, on: x) != nil {
            return "two calls on the same input give different outputs (see `values`), so finite differences measure the randomness, not the layer: make forward deterministic (no Dropout, no fresh random numbers)"
        }
        if let blind = try float32Blindness(of: module, at: x) { return blind }
        if let (_, ref) = try? reference(for: module, arguments),
           case .float32(_, throughFloat32: true)? = plainDifference(try module(x), withNoGrad { ref(x) }) {
            return "the output agrees with the reference only to float32 precision (see `values`): the layer computes in float32, where steps of 1e-6 are lost, so finite differences see noise — keep the input's dtype"
        }
        if !report.repeatBackwardPassed {
            return "two backward passes with the same output gradient give different gradients: the layer keeps state between calls"
        }
        if !report.zeroGradOutputPassed {
            return "a zero output gradient gives a non-zero gradient: a hand-written backward adds something that does not scale with the output gradient"
        }
        var at = ""
        if let worst = report.worst {
            let names = try module.namedParameters().map(\.0)
            let tensor = worst.input == 0 ? "the input" : (worst.input - 1 < names.count ? "parameter `\(names[worst.input - 1])`" : "input \(worst.input)")
            at = " (worst: element \(worst.inputIndex) of \(tensor), output element \(worst.outputIndex): autograd \(formatGradient(worst.analytic)), finite differences \(formatGradient(worst.numerical)))"
            if worst.analytic == 0, worst.numerical != 0 {
                return "autograd gives 0 where the output does change\(at): part of the forward is cut from the graph — a weight or an intermediate read through .detach() (PyTorch's .data), or rebuilt from plain numbers — or a hand-written backward returns 0 there"
            }
        }
        return "the gradients the layer returns disagree with finite differences of its own output\(at): a hand-written backward (a custom Function) is wrong, part of the forward is cut from the graph (.detach(), .data), or the forward is not differentiable there"
    }
}

/// A Jacobian entry, four significant digits.
func formatGradient(_ value: Double) -> String { String(format: "%.4g", value) }
