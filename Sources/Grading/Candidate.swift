import LayerKit
import LayerKitChild

/// An answer to grade: a name, the exercise it answers, and a factory that builds a fresh
/// module from the exercise's arguments. Make one with the static function named after the
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

/// LayerKit's reference solutions, every exercise's (two for the Fourier layer: both
/// conventions, `n/2` and `n/2 + 1`, are right).
public var referenceSolutions: [Candidate] { Exercise.allCases.flatMap { $0.definition.references } }

/// The shipped wrong answers, each a real learner mistake, with the criterion that must
/// reject it. `layerkit grade` grades them beside the references and fails if one slips by.
public var knownWrongAnswers: [Candidate] { Exercise.allCases.flatMap { $0.definition.knownWrong } }
