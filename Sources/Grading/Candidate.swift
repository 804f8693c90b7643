import LayerKit

/// The exercises of D2L "Layers and Modules" and "Custom Layers" whose answer is a layer, by
/// their command-line names (`layerkit grade --exercise tensor-reduction`).
public enum Exercise: String, CaseIterable, Codable, Sendable {
    /// "Layers and Modules": the book's `MySequential`, children registered by index.
    case mySequential = "my-sequential"
    /// "Layers and Modules" exercise 2: `Parallel(net1, net2)`.
    case parallel
    /// "Layers and Modules" exercise 3: n independent instances of a block, stacked.
    case factory
    /// "Custom Layers": `CenteredLayer`, `X - X.mean()`.
    case centeredLayer = "centered-layer"
    /// "Custom Layers": `MyLinear(in_units, units)` with ReLU built in.
    case myLinear = "my-linear"
    /// "Custom Layers" exercise 1: `y_k = Σ_ij W_ijk x_i x_j`.
    case tensorReduction = "tensor-reduction"
    /// "Custom Layers" exercise 2: the leading half of the Fourier coefficients.
    case fourierHalfSpectrum = "fourier-half-spectrum"

    /// What the exercise asks for, in one line.
    public var title: String {
        switch self {
        case .mySequential: return "MySequential: blocks registered as children \"0\", \"1\", … and run in order (Layers and Modules)"
        case .parallel: return "Parallel(net1, net2): both outputs concatenated on the feature axis (Layers and Modules, ex. 2)"
        case .factory: return "n independent instances of a block, stacked into a larger network (Layers and Modules, ex. 3)"
        case .centeredLayer: return "CenteredLayer: X - X.mean(), no parameters (Custom Layers)"
        case .myLinear: return "MyLinear(in_units, units): relu(X·W + b) with trainable W, b (Custom Layers)"
        case .tensorReduction: return "TensorReduction: y_k = Σ_ij W_ijk x_i x_j (Custom Layers, ex. 1)"
        case .fourierHalfSpectrum: return "FourierHalfSpectrum: leading half of the Fourier coefficients, (re, im) pairs (Custom Layers, ex. 2)"
        }
    }
}

/// What a spec hands a candidate's factory: the exercise's sizes and, for the container
/// exercises, the blocks to hold.
struct BuildInput {
    var inFeatures = 0
    var outFeatures = 0
    var blocks: [Module] = []
    var count = 0
    var makeBlock: () -> Module = { Identity() }
}

/// An answer to grade: a name, the exercise it answers, and a factory that builds a fresh
/// module from the exercise's sizes. Make one with the static function named after the
/// exercise:
///
///     let mine = Candidate.tensorReduction("mine") { i, o in MyReduction(i, o) }
///     let report = grade(mine)
public struct Candidate: Sendable {
    /// The name shown in reports and passed to `--candidate`.
    public let name: String
    /// The exercise it answers.
    public let exercise: Exercise
    /// Reference, known-wrong or learner.
    public let kind: CandidateKind
    /// For a known-wrong answer: the criterion it must fail.
    public let expectedFailure: CriterionID?
    /// What it is, in one line (for a known-wrong answer: the mistake).
    public let summary: String
    let build: @Sendable (BuildInput) throws -> Module

    init(_ name: String, _ exercise: Exercise, summary: String, kind: CandidateKind = .learner,
         expectedFailure: CriterionID? = nil, build: @escaping @Sendable (BuildInput) throws -> Module) {
        self.name = name
        self.exercise = exercise
        self.kind = kind
        self.expectedFailure = expectedFailure
        self.summary = summary
        self.build = build
    }

    /// The same candidate graded as a reference solution.
    public func asReference() -> Candidate {
        Candidate(name, exercise, summary: summary, kind: .reference, build: build)
    }

    /// The same candidate graded as a known-wrong answer that must fail `criterion`.
    public func asKnownWrong(failing criterion: CriterionID) -> Candidate {
        Candidate(name, exercise, summary: summary, kind: .knownWrong, expectedFailure: criterion, build: build)
    }

    /// An answer to `MySequential`: a module running `blocks` in order.
    public static func mySequential(_ name: String, summary: String = "",
                                    _ make: @escaping @Sendable (_ blocks: [Module]) throws -> Module) -> Candidate {
        Candidate(name, .mySequential, summary: summary) { try make($0.blocks) }
    }

    /// An answer to the Parallel exercise: a module running `net1` and `net2` side by side.
    public static func parallel(_ name: String, summary: String = "",
                                _ make: @escaping @Sendable (_ net1: Module, _ net2: Module) throws -> Module) -> Candidate {
        Candidate(name, .parallel, summary: summary) { try make($0.blocks[0], $0.blocks[1]) }
    }

    /// An answer to the factory exercise: a network of `count` instances, each from `makeBlock`.
    public static func factory(_ name: String, summary: String = "",
                               _ make: @escaping @Sendable (_ count: Int, _ makeBlock: () -> Module) throws -> Module) -> Candidate {
        Candidate(name, .factory, summary: summary) { try make($0.count, $0.makeBlock) }
    }

    /// An answer to `CenteredLayer`.
    public static func centeredLayer(_ name: String, summary: String = "",
                                     _ make: @escaping @Sendable () throws -> Module) -> Candidate {
        Candidate(name, .centeredLayer, summary: summary) { _ in try make() }
    }

    /// An answer to `MyLinear(inUnits, units)`.
    public static func myLinear(_ name: String, summary: String = "",
                                _ make: @escaping @Sendable (_ inUnits: Int, _ units: Int) throws -> Module) -> Candidate {
        Candidate(name, .myLinear, summary: summary) { try make($0.inFeatures, $0.outFeatures) }
    }

    /// An answer to the tensor-reduction exercise, `TensorReduction(inFeatures, outFeatures)`.
    public static func tensorReduction(_ name: String, summary: String = "",
                                       _ make: @escaping @Sendable (_ inFeatures: Int, _ outFeatures: Int) throws -> Module) -> Candidate {
        Candidate(name, .tensorReduction, summary: summary) { try make($0.inFeatures, $0.outFeatures) }
    }

    /// An answer to the Fourier exercise.
    public static func fourierHalfSpectrum(_ name: String, summary: String = "",
                                           _ make: @escaping @Sendable () throws -> Module) -> Candidate {
        Candidate(name, .fourierHalfSpectrum, summary: summary) { _ in try make() }
    }
}
