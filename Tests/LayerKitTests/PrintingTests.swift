import Foundation
import Testing
@testable import LayerKit

/// One tensor of printing.json: the leaf PyTorch built, the ops applied to it, the print
/// options in effect, and the `repr` PyTorch printed.
private struct PrintCase: CustomTestStringConvertible, Sendable {
    let name: String
    let values: [Double]
    let shape: [Int]
    let dtype: DType
    let requiresGrad: Bool
    let ops: [Op]
    let options: PrintOptions
    let expected: String

    enum Op: Sendable {
        case subMean, mean, sum, addSelf, add(Double), mul(Double), reshape([Int])
    }

    var testDescription: String { name }

    /// The tensor PyTorch printed, rebuilt: the leaf, then the same op chain (so the same
    /// `grad_fn` name ends up on it).
    func tensor() -> Tensor {
        var t = Tensor(values, shape: shape, dtype: dtype, requiresGrad: requiresGrad)
        for op in ops {
            switch op {
            case .subMean: t = t - t.mean()
            case .mean: t = t.mean()
            case .sum: t = t.sum()
            case .addSelf: t = t + t
            case .add(let s): t = t + s
            case .mul(let s): t = t * s
            case .reshape(let s): t = t.reshape(s)
            }
        }
        return t
    }
}

private struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

/// The cases of printing.json (made by make_printing.py with real PyTorch).
private func printCases() throws -> [PrintCase] {
    guard let list = try loadFixture("printing")["cases"] as? [[String: Any]] else {
        throw FixtureError(description: "printing.json has no case list")
    }
    return try list.map(parseCase)
}

private func parseCase(_ c: [String: Any]) throws -> PrintCase {
    guard let name = c["name"] as? String, let rawValues = c["values"] as? [Any],
          let shape = c["shape"] as? [Int], let dtypeName = c["dtype"] as? String,
          let dtype = DType(rawValue: dtypeName), let requiresGrad = c["requires_grad"] as? Bool,
          let rawOps = c["ops"] as? [[Any]], let rawOptions = c["options"] as? [String: Any],
          let expected = c["repr"] as? String
    else { throw FixtureError(description: "malformed case \(c["name"] ?? "?")") }

    let values: [Double] = try rawValues.map { v in
        switch v {
        case let s as String:
            switch s {
            case "nan": return .nan
            case "inf": return .infinity
            case "-inf": return -.infinity
            default: throw FixtureError(description: "\(name): bad value \(s)")
            }
        case let n as NSNumber: return n.doubleValue
        default: throw FixtureError(description: "\(name): bad value \(v)")
        }
    }
    let ops: [PrintCase.Op] = try rawOps.map { op in
        let arg = op.count > 1 ? op[1] : nil
        switch op.first as? String {
        case "sub_mean": return .subMean
        case "mean": return .mean
        case "sum": return .sum
        case "add_self": return .addSelf
        case "add": if let s = arg as? Double { return .add(s) }
        case "mul": if let s = arg as? Double { return .mul(s) }
        case "reshape": if let s = arg as? [Int] { return .reshape(s) }
        default: break
        }
        throw FixtureError(description: "\(name): bad op \(op)")
    }
    let profile: PrintOptions? = switch rawOptions["profile"] as? String {
    case "short": .short
    case "full": .full
    case "default": .default
    default: nil
    }
    // Built the way torch.printoptions builds them: set_printoptions over the defaults.
    let options = PrintOptions.default.updated(
        profile: profile, precision: rawOptions["precision"] as? Int,
        threshold: rawOptions["threshold"] as? Int, edgeitems: rawOptions["edgeitems"] as? Int,
        linewidth: rawOptions["linewidth"] as? Int, sciMode: rawOptions["sci_mode"] as? Bool)
    return PrintCase(
        name: name, values: values, shape: shape, dtype: dtype, requiresGrad: requiresGrad,
        ops: ops, options: options, expected: expected)
}

/// Shows where two strings part, so a failing case points at the first differing character.
private func firstDifference(_ a: String, _ b: String) -> String {
    let x = Array(a), y = Array(b)
    let i = zip(x, y).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? Swift.min(x.count, y.count)
    return "first difference at character \(i)\n--- got:\n\(a)\n--- PyTorch:\n\(b)"
}

@Suite("Printing")
struct PrintingTests {
    @Test("print(t) matches PyTorch's repr for every fixture tensor")
    func matchesPyTorch() throws {
        let cases = try printCases()
        #expect(cases.count >= 60)
        for c in cases {
            let t = c.tensor()
            let got = withPrintOptions(c.options) { String(describing: t) }
            #expect(got == c.expected, "\(c.name): \(firstDifference(got, c.expected))")
            // Explicit options give the same text as scoped ones.
            #expect(t.description(options: c.options) == got, "\(c.name)")
        }
    }

    @Test("The book's examples print exactly as in D2L")
    func bookExamples() {
        let x = Tensor([1, 2, 3, 4, 5])
        #expect("\(x - x.mean())" == "tensor([-2., -1.,  0.,  1.,  2.])")
        let w = Tensor([1, 2, 3, 4, 5], requiresGrad: true)
        #expect("\((w - w.mean()).mean())" == "tensor(0., grad_fn=<MeanBackward0>)")
        let m: Tensor = [[1.5, -2.25], [100.0, 3.0]]
        #expect("\(m)" == "tensor([[  1.5000,  -2.2500],\n        [100.0000,   3.0000]])")
    }

    @Test("debugDescription and print() give the same text as description")
    func debugAndPrint() {
        let t = Tensor([0.5, -1.5], dtype: .float64, requiresGrad: true)
        let want = "tensor([ 0.5000, -1.5000], dtype=torch.float64, requires_grad=True)"
        #expect(t.description == want)
        #expect(String(reflecting: t) == want)
        var printed = ""
        print(t, to: &printed)
        #expect(printed == want + "\n")
    }

    @Test("Scoped options apply inside the scope only, and nest")
    func scopedOptions() {
        let t = Tensor([1.0 / 3.0, 2.0])
        #expect("\(t)" == "tensor([0.3333, 2.0000])")
        withPrintOptions(PrintOptions(precision: 2)) {
            #expect("\(t)" == "tensor([0.33, 2.00])")
            #expect(PrintOptions.current.precision == 2)
            withPrintOptions(PrintOptions(precision: 6, sciMode: true)) {
                #expect("\(t)" == "tensor([3.333333e-01, 2.000000e+00])")
            }
            #expect("\(t)" == "tensor([0.33, 2.00])")
        }
        #expect("\(t)" == "tensor([0.3333, 2.0000])")
    }

    @Test("setPrintOptions follows torch.set_printoptions: profile first, sciMode reset when left out")
    func setPrintOptionsSemantics() {
        // The merge that setPrintOptions applies to the global options; mutating the global
        // here would race with other suites printing in parallel.
        let a = PrintOptions.default.updated(
            profile: nil, precision: 2, threshold: nil, edgeitems: nil, linewidth: nil, sciMode: true)
        #expect(a == PrintOptions(precision: 2, sciMode: true))
        let b = a.updated(profile: nil, precision: nil, threshold: 5, edgeitems: nil, linewidth: nil, sciMode: nil)
        #expect(b == PrintOptions(precision: 2, threshold: 5))
        let c = b.updated(profile: .full, precision: nil, threshold: nil, edgeitems: 1, linewidth: nil, sciMode: false)
        #expect(c == PrintOptions(threshold: .max, edgeitems: 1, sciMode: false))
        #expect(PrintOptions.current == .default)
    }

    @Test("The full profile never summarizes")
    func fullProfile() {
        let t = Tensor.arange(0, 1001)
        #expect("\(t)".contains("..."))
        #expect(t.description(options: .full).contains("1000.]"))
        #expect(t.description(options: .default).contains("...,"))
    }

    @Test("A 1000x1000 tensor prints summarised: three rows and columns each side (its speed is layerkit-bench's print.tensor.1000x1000)")
    func largeTensorIsSummarised() {
        let t = Tensor.full([1000, 1000], 0.5)
        let lines = "\(t)".split(separator: "\n")
        #expect(lines.count == 7)
        #expect(lines.allSatisfy { $0.components(separatedBy: "0.5000").count - 1 <= 6 }, "\(lines)")
    }
}

@Suite("Printing parameters")
struct ParameterPrintingTests {
    @Test("description and debugDescription of a Parameter agree with print")
    func parameterDescriptions() {
        let p = Parameter(Tensor([0.5, -1.5]))
        let want = "Parameter containing:\ntensor([ 0.5000, -1.5000], requires_grad=True)"
        #expect("\(p)" == want)
        #expect(p.description == want)
        #expect(String(reflecting: p) == want)
    }
}
