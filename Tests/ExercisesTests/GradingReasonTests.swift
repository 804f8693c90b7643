import Foundation
import Testing
import LayerKit
@testable import Grading

// Reasons that are never wrong: each diagnosis names a mistake only as far as its measurements
// show it. Learner layers that are in no known-wrong list, graded in this process.

/// The reason `candidate` fails `criterion` with, graded in this process (no reason if it passes).
func reason(_ candidate: Candidate, _ criterion: CriterionID) -> String? {
    grade(candidate, seed: 11).results.first { $0.id == criterion }?.reason
}

/// Tensor reduction `Σ_ij W_ijk x_i x_j` followed by `post`: the reference, then a learner's mistake.
final class PostReduction: Module {
    let weight: Parameter
    let post: @Sendable (Tensor, Int) -> Tensor
    init(_ i: Int, _ k: Int, post: @escaping @Sendable (Tensor, Int) -> Tensor) {
        weight = Parameter(Tensor.uniform([i, i, k], low: -1, high: 1))
        self.post = post
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor {
        let i = weight.shape[0], k = weight.shape[2]
        let outer = (x.unsqueeze(-1) * x.unsqueeze(-2)).reshape([-1, i * i])
        let y = outer.matmul(weight.reshape([i * i, k])).reshape(Array(x.shape.dropLast()) + [k])
        return post(y, i)
    }
}

/// MyLinear with another activation than the ReLU (or none of its bias).
final class ActivatedLinear: Module {
    let weight: Parameter, bias: Parameter
    let activation: @Sendable (Tensor) -> Tensor
    let withBias: Bool
    init(_ i: Int, _ u: Int, withBias: Bool = true, activation: @escaping @Sendable (Tensor) -> Tensor) {
        weight = Parameter(Tensor.randn([i, u]))
        bias = Parameter(Tensor.randn([u]))
        self.activation = activation
        self.withBias = withBias
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor { activation(withBias ? x.matmul(weight) + bias : x.matmul(weight)) }
}

@Suite("Grading: reasons that are never wrong")
struct GradingReasonTests {
    // MARK: Factors

    @Test("A factor of 2 at in = 4 is called 2 when the sizes change, never √in or in/2")
    func constantTwo() {
        let variable = SizeVariable(symbol: "in", meaning: "in_features", base: 4, other: 6)
        let text = describeFactor(FactorEvidence(base: 2, otherInput: 2, sizes: [(variable, 2)]), what: "the output")
        #expect(text.contains("scaled by 2, the same factor for every input and at every size tried (in = 4, 6)"))
        #expect(!text.contains("√") && !text.contains("in/2"))
        // The same number at in = 4 is √in or in/2 when the second size says so.
        let root = describeFactor(FactorEvidence(base: 2, otherInput: 2, sizes: [(variable, 6.0.squareRoot())]), what: "the output")
        #expect(root.contains("scaled by √in = 2 (in = 4"))
        let half = describeFactor(FactorEvidence(base: 2, otherInput: 2, sizes: [(variable, 3)]), what: "the output")
        #expect(half.contains("scaled by in/2 = 2 (in = 4"))
    }

    @Test("A factor that changes with the input is not called a constant; one never measured again is a number only")
    func inputDependentAndUnconfirmed() {
        let changing = describeFactor(FactorEvidence(base: 1.198, otherInput: 0.87, sizes: []), what: "the output")
        #expect(changing.contains("not by a constant") && !changing.contains("a constant factor"))
        let single = describeFactor(FactorEvidence(base: 0.25, otherInput: nil, sizes: []), what: "the output")
        #expect(single == "the output is 1/4 × the reference for this input")
        let unnamed = describeFactor(
            FactorEvidence(base: 0.3, otherInput: 0.3, sizes: [(SizeVariable(symbol: "n", meaning: "the length", base: 16, other: 12), 0.7)]),
            what: "the output")
        #expect(unnamed.contains("depends on n") && !unnamed.contains("scaled by 1/"))
    }

    @Test("No two named forms agree at both values of any exercise's sizes")
    func formsAreTellable() {
        for exercise in Exercise.allCases {
            for probe in exercise.definition.spec.sizeProbes {
                let v = probe.variable, values = sizeForms.map { [$0.value(Double(v.base)), $0.value(Double(v.other))] }
                for a in values.indices {
                    for b in values.indices where a < b {
                        #expect(!(sameFactor(values[a][0], values[b][0]) && sameFactor(values[a][1], values[b][1])),
                                "\(exercise): \(sizeForms[a].label(v.symbol)) and \(sizeForms[b].label(v.symbol)) agree at \(v.base) and \(v.other)")
                    }
                }
                #expect(v.base != v.other)
            }
        }
    }

    @Test("A tensor reduction divided by in is named 1/in, confirmed at in = 6")
    func dividedByIn() throws {
        let why = try #require(reason(.tensorReduction("mean-over-j") { i, k in
            PostReduction(i, k) { y, i in y / Double(i) }
        }, .values))
        #expect(why.contains("scaled by 1/in = 0.25 (in = 4, in_features; 0.1667 at in = 6)"), "\(why)")
    }

    @Test("A small epsilon is not called float32; an output made of float32 numbers is")
    func epsilonIsNotFloat32() throws {
        final class EpsilonCentered: Module {
            override func forward(_ x: Tensor) -> Tensor { x - x.mean() + 1e-7 }
        }
        let why = try #require(reason(.centeredLayer("epsilon") { EpsilonCentered() }, .values))
        #expect(why.contains("or a small term such as an epsilon") && !why.contains("it is computed in float32"), "\(why)")
        final class Float32Centered: Module {
            override func forward(_ x: Tensor) -> Tensor { (x.to(.float32) - x.to(.float32).mean()).to(x.dtype) }
        }
        let float32 = try #require(reason(.centeredLayer("float32") { Float32Centered() }, .values))
        #expect(float32.contains("holds float32 numbers only: it is computed in float32 somewhere"), "\(float32)")
    }

    // MARK: Element-wise functions

    @Test("An element-wise function of the expected output is named: tanh, sigmoid, abs, square", arguments: [
        ("tanh", "tanh(the expected output)"), ("sigmoid", "sigmoid(the expected output)"),
        ("abs", "|the expected output|: its negative entries have their sign flipped"), ("square", "(the expected output)²"),
    ])
    func elementwiseOfReference(_ name: String, _ says: String) throws {
        let post: @Sendable (Tensor, Int) -> Tensor = switch name {
        case "tanh": { y, _ in y.tanh() }
        case "sigmoid": { y, _ in y.sigmoid() }
        case "abs": { y, _ in y.abs() }
        default: { y, _ in y * y }
        }
        let why = try #require(reason(.tensorReduction(name) { i, k in PostReduction(i, k, post: post) }, .values))
        #expect(why.contains(says), "\(why)")
    }

    @Test("Relu and abs are not told apart on entries that are never negative")
    func elementwiseNeedsEvidence() {
        let base = [0.5, 1.5, 2.0]
        #expect(elementwiseFunction(base, of: base) == nil)
        #expect(elementwiseFunction([0, 1.5, 2], of: [-0.5, 1.5, 2])?.removal == "the relu")
        #expect(elementwiseFunction([0.5, 1.5, 2], of: [-0.5, 1.5, 2])?.removal == "the abs")
    }

    @Test("MyLinear with another activation, or without its bias, is told which", arguments: [
        ("sigmoid", "sigmoid(x·W + b)"), ("abs", "|x·W + b|: its negative entries have their sign flipped"),
        ("tanh", "tanh(x·W + b)"), ("no-bias", "relu(x·W): the bias is missing"),
    ])
    func myLinearActivation(_ name: String, _ says: String) throws {
        let activation: @Sendable (Tensor) -> Tensor = switch name {
        case "sigmoid": { $0.sigmoid() }
        case "abs": { $0.abs() }
        case "tanh": { $0.tanh() }
        default: { $0.relu() }
        }
        let why = try #require(reason(.myLinear(name) { i, u in
            ActivatedLinear(i, u, withBias: name != "no-bias", activation: activation)
        }, .values))
        #expect(why.contains(says), "\(why)")
    }

    // MARK: Spectra and blocks

    @Test("A spectrum in reverse bin order is described by its bins")
    func reversedBins() throws {
        final class ReversedFourier: Module {
            override func forward(_ x: Tensor) -> Tensor {
                let m = (x.shape.last ?? 1) / 2, spectrum = x.rfft()
                if m == 0 { return spectrum.narrow(axis: -2, start: 0, length: 0) }
                return Tensor.concat((0..<m).reversed().map { spectrum.narrow(axis: -2, start: $0, length: 1) }, axis: -2)
            }
        }
        let why = try #require(reason(.fourierHalfSpectrum("reversed") { ReversedFourier() }, .values))
        #expect(why.contains("holds the bins X_7, X_6, X_5, X_4, … of the DFT, in that order"), "\(why)")
    }

    @Test("MySequential running its blocks in reverse is told so with 12 square blocks")
    func reversedBlocks() throws {
        final class ReversedSequential: Module {
            init(_ blocks: [Module]) {
                super.init()
                for (index, block) in blocks.enumerated() { addModule(block, named: String(index)) }
            }
            override func forward(_ x: Tensor) -> Tensor { children().reversed().reduce(x) { x, block in block(x) } }
        }
        // Reversed only where the blocks are square, so that it runs in this process: with
        // 3, 1, 2 and 5 blocks it is the book's.
        let why = try #require(reason(.mySequential("reversed-square") { blocks in
            blocks.count == 12 ? ReversedSequential(blocks) : MySequentialForTests(blocks)
        }, .values))
        #expect(why.contains("with 12 blocks (with 3 blocks, 1 block, 2 blocks and 5 blocks it is right): the blocks ran in reverse order"), "\(why)")
    }

    @Test("State dict keys: prefixed only, empty, or otherwise wrong, each said as it is")
    func stateDictKeys() {
        let want = ["0.weight", "0.bias", "2.weight", "2.bias"]
        let prefixed = stateDictNamesReason(want.map { "blocks." + $0 }, want: want)
        #expect(prefixed.contains("registered only under `blocks` (keys blocks.0.weight …)") && !prefixed.contains("twice"))
        #expect(stateDictNamesReason([], want: want).contains("the state dict is empty"))
        let shifted = stateDictNamesReason(["1.weight", "1.bias", "3.weight", "3.bias"], want: want)
        #expect(shifted.hasPrefix("expected the keys") && !shifted.contains("twice"))
    }

    // MARK: Gradients

    @Test("A hand-written backward that is wrong, with right values, is told its gradients are not its output's")
    func wrongBackward() throws {
        final class HandWrittenCentered: Module {
            override func forward(_ x: Tensor) -> Tensor {
                Tensor.function("Centered", [x], forward: { $0[0] - $0[0].mean() }, backward: { g, _, _ in [g] })
            }
        }
        let report = grade(.centeredLayer("hand-written") { HandWrittenCentered() }, seed: 11)
        let gradients = try #require(report.results.first { $0.id == .gradients })
        #expect(report.results.first { $0.id == .values }?.passed == true)
        #expect(gradients.reason?.contains("differs although the output is right: the gradients are not those of your own output") == true,
                "\(gradients.reason ?? "no reason")")
    }
}

/// The book's MySequential, for tests that vary only some block counts.
final class MySequentialForTests: Module {
    init(_ blocks: [Module]) {
        super.init()
        for (index, block) in blocks.enumerated() { addModule(block, named: String(index)) }
    }
    override func forward(_ x: Tensor) -> Tensor { children().reduce(x) { x, block in block(x) } }
}
