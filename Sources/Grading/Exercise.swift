import LayerKitChild

/// The exercises of D2L "Layers and Modules" and "Custom Layers" whose answer is a layer, by
/// their command-line names (`layerkit grade --exercise tensor-reduction`).
///
/// Everything about an exercise — its contract, spec, criteria, references and known-wrong
/// answers — is its `ExerciseDefinition`, one file per exercise in `Definitions/`; this
/// enum names them, and `definition` is the one place that maps a name to its definition.
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

    /// The exercise's definition (the registry: one line per exercise).
    var definition: ExerciseDefinition {
        switch self {
        case .mySequential: return .mySequential
        case .parallel: return .parallel
        case .factory: return .factory
        case .centeredLayer: return .centeredLayer
        case .myLinear: return .myLinear
        case .tensorReduction: return .tensorReduction
        case .fourierHalfSpectrum: return .fourierHalfSpectrum
        }
    }

    /// What the exercise asks for, in one line.
    public var title: String { definition.title }

    /// How `answer` is called.
    public var signature: AnswerSignature { definition.contract.signature }

    /// The type `answer` must convert to in a Swift answer file, e.g. `(Int, Int) -> Module`.
    public var answerType: String { signature.swiftType }

    /// The arguments `answer` receives, in words.
    public var answerArguments: String { definition.contract.arguments }

    /// An example of the line naming the answer in a Swift file.
    public var answerExample: String { definition.contract.swiftExample }

    /// The same in a Python file, e.g. `answer = MyReduction`.
    public var pythonAnswerExample: String { definition.contract.pythonExample }

    /// How the Python child calls `answer`, e.g. `answer(in_features, out_features)`.
    public var pythonCall: String { definition.contract.pythonCall }
}

/// Everything the grader knows about one exercise.
struct ExerciseDefinition {
    /// What `answer` is and how it is called.
    struct Contract {
        /// How `answer` is called.
        let signature: AnswerSignature
        /// Its arguments, in words ("inFeatures and outFeatures").
        let arguments: String
        /// A Swift line naming the answer.
        let swiftExample: String
        /// A Python line naming the answer.
        let pythonExample: String
        /// The Python call, as the book writes it.
        let pythonCall: String
    }

    let exercise: Exercise
    let title: String
    let contract: Contract
    let spec: LayerSpec
    /// LayerKit's solutions: each must pass every criterion.
    let references: [Candidate]
    /// Mistakes learners make: each must fail its criterion, for its reason.
    let knownWrong: [Candidate]
}
