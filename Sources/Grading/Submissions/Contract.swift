/// The contract of an answer file: the learner writes their layer (with `import LayerKit`)
/// and one line naming it,
///
///     let answer = MyReduction.init
///
/// `answer` is a function (an initialiser is one) from the exercise's arguments to the
/// layer. Its type, per exercise, is ``Exercise/answerType``. There is no Package.swift and
/// no `main`; the file is compiled in Swift 5 language mode, so learners are not held to
/// Swift 6's concurrency checking.
extension Exercise {
    /// The type `answer` must convert to, as Swift spells it.
    public var answerType: String {
        switch self {
        case .mySequential: return "([Module]) -> Module"
        case .parallel: return "(Module, Module) -> Module"
        case .factory: return "(Int, () -> Module) -> Module"
        case .centeredLayer, .fourierHalfSpectrum: return "() -> Module"
        case .myLinear, .tensorReduction: return "(Int, Int) -> Module"
        }
    }

    /// The arguments `answer` receives, in words.
    public var answerArguments: String {
        switch self {
        case .mySequential: return "the blocks, in order"
        case .parallel: return "net1 and net2"
        case .factory: return "the number of instances n and a closure making one block"
        case .centeredLayer, .fourierHalfSpectrum: return "nothing"
        case .myLinear: return "inUnits and units"
        case .tensorReduction: return "inFeatures and outFeatures"
        }
    }

    /// An example of the line naming the answer.
    public var answerExample: String {
        switch self {
        case .mySequential: return "let answer = MySequential.init"
        case .parallel: return "let answer = Parallel.init"
        case .factory: return "func answer(_ n: Int, _ makeBlock: () -> Module) -> Module { … }"
        case .centeredLayer: return "let answer = CenteredLayer.init"
        case .fourierHalfSpectrum: return "let answer = MyFourier.init"
        case .myLinear: return "let answer = MyLinear.init"
        case .tensorReduction: return "let answer = MyReduction.init"
        }
    }

    /// The generated `main` of a submission's child: converts `answer` to the exercise's
    /// function type and grades it as the grader's request asks.
    var submissionMain: String {
        let make: String
        switch self {
        case .mySequential: make = ".mySequential(\"submission\") { blocks in f(blocks) }"
        case .parallel: make = ".parallel(\"submission\") { a, b in f(a, b) }"
        case .factory: make = ".factory(\"submission\") { n, block in f(n, block) }"
        case .centeredLayer: make = ".centeredLayer(\"submission\") { f() }"
        case .fourierHalfSpectrum: make = ".fourierHalfSpectrum(\"submission\") { f() }"
        case .myLinear: make = ".myLinear(\"submission\") { i, o in f(i, o) }"
        case .tensorReduction: make = ".tensorReduction(\"submission\") { i, o in f(i, o) }"
        }
        return """
            import LayerKit
            import Grading

            @main enum LayerKitSubmissionMain {
                static func main() {
                    let f: \(answerType) = answer
                    runSubmissionChild(\(make))
                }
            }

            """
    }
}
