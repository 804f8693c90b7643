import ArgumentParser
import Foundation
import Synchronization

/// The candidates a program has registered for grading beside LayerKit's own.
private let learnerCandidates = Mutex<[Candidate]>([])

/// Adds your own candidates to those `grade` knows (before calling `GradeCommand.main()`).
///
///     registerCandidates([.tensorReduction("mine") { i, o in MyReduction(i, o) }])
public func registerCandidates(_ candidates: [Candidate]) {
    learnerCandidates.withLock { $0 += candidates }
}

/// Every candidate `grade` knows: the references, the known-wrong answers, and the registered ones.
public var allCandidates: [Candidate] {
    referenceSolutions + knownWrongAnswers + learnerCandidates.withLock { $0 }
}

/// `layerkit grade`: grades candidates against the exercise specs, each in a child process.
///
/// With no arguments it grades the reference solutions and the known-wrong answers, prints a
/// report per candidate and a summary table, and exits 0 only if every reference (and every
/// registered candidate) passes and every known-wrong answer is caught.
public struct GradeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "grade",
        abstract: "Grade exercise answers: the references, the known-wrong answers and any registered candidate.",
        discussion: "Exercises: \(Exercise.allCases.map(\.rawValue).joined(separator: ", ")).")

    @Option(name: .long, help: "Grade only this exercise (repeatable).")
    var exercise: [String] = []

    @Option(name: .long, help: "Grade only the candidate with this name (repeatable).")
    var candidate: [String] = []

    @Option(name: .long, help: "Grade only candidates of this kind: reference, known-wrong or learner (repeatable).")
    var kind: [String] = []

    @Flag(name: .long, help: "Print the reports as JSON on standard output.")
    var json = false

    @Option(name: .long, help: "Seed of the random inputs.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Time limit per candidate, in seconds.")
    var timeout: Double = 10

    @Flag(name: .long, help: "Run candidates in this process (faster; a crashing candidate takes the grader down).")
    var inProcess = false

    @Flag(name: .long, help: "Also grade the self-test candidates (one hangs, one throws) to prove the isolation.")
    var selfTest = false

    @Flag(name: .long, help: "List the candidates and the criteria, and exit.")
    var list = false

    /// Parsed by ArgumentParser.
    public init() {}

    public func validate() throws {
        for name in exercise where Exercise(rawValue: name) == nil {
            throw ValidationError("unknown exercise '\(name)'; known: \(Exercise.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for name in kind where CandidateKind(rawValue: name) == nil {
            throw ValidationError("unknown kind '\(name)'; known: reference, known-wrong, learner")
        }
        let names = Set((allCandidates + selfTestCandidates).map(\.name))
        for name in candidate where !names.contains(name) {
            throw ValidationError("unknown candidate '\(name)'; see --list")
        }
        if !(timeout > 0) { throw ValidationError("--timeout must be positive, got \(timeout)") }
    }

    public func run() throws {
        if let request = ChildRequest.fromEnvironment() {
            throw ExitCode(runAsChild(request, candidates: allCandidates + selfTestCandidates))
        }
        let chosen = (allCandidates + (selfTest ? selfTestCandidates : [])).filter { c in
            (exercise.isEmpty || exercise.contains(c.exercise.rawValue))
                && (candidate.isEmpty || candidate.contains(c.name))
                && (kind.isEmpty || kind.contains(c.kind.rawValue))
        }.sorted { Exercise.allCases.firstIndex(of: $0.exercise)! < Exercise.allCases.firstIndex(of: $1.exercise)! }
        if list { return printList(chosen) }
        if chosen.isEmpty { throw ValidationError("no candidate matches the filters; see --list") }

        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let arguments = Array(CommandLine.arguments.dropFirst())
        var reports: [GradeReport] = []
        var currentExercise: Exercise?
        for (n, c) in chosen.enumerated() {
            progress("[\(n + 1)/\(chosen.count)] \(c.exercise.rawValue) · \(c.name)")
            let report = inProcess ? grade(c, seed: seed)
                : gradeInChildProcess(c, seed: seed, timeout: timeout, executable: executable, arguments: arguments)
            reports.append(report)
            if !json {
                if currentExercise != c.exercise {
                    print("\n== \(c.exercise.rawValue): \(c.exercise.title)")
                    currentExercise = c.exercise
                }
                print(report.table + (c.summary.isEmpty ? "" : "\n      (\(c.summary))"))
            }
        }
        let allRight = reports.allSatisfy(\.verdictIsRight)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(GradingRun(seed: seed, allRight: allRight, reports: reports))
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\n" + summaryTable(reports))
            let kinds = Set(reports.map(\.kind))
            let right = [kinds.contains(.reference) ? "every reference passes" : nil,
                         kinds.contains(.learner) ? "every registered candidate passes" : nil,
                         kinds.contains(.knownWrong) ? "every known-wrong answer is caught" : nil].compactMap { $0 }
            print(allRight ? "\n" + right.joined(separator: ", ")
                           : "\nSOME VERDICTS ARE WRONG: see the rows marked FAIL or NOT CAUGHT")
        }
        if !allRight { throw ExitCode(1) }
    }

    private func progress(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private func printList(_ candidates: [Candidate]) {
        for e in Exercise.allCases where candidates.contains(where: { $0.exercise == e }) {
            print("\(e.rawValue): \(e.title)")
            print("  criteria: \(criteria(of: e).joined(separator: ", "))")
            for c in candidates where c.exercise == e {
                print("  \(c.name) [\(c.kind.rawValue)]" + (c.expectedFailure.map { " must fail: \($0)" } ?? "")
                      + (c.summary.isEmpty ? "" : " — \(c.summary)"))
            }
        }
    }
}

/// The JSON `layerkit grade --json` prints.
public struct GradingRun: Codable, Sendable {
    /// The seed of the random inputs.
    public var seed: UInt64
    /// True when every verdict is right (references pass, known-wrong answers caught).
    public var allRight: Bool
    /// One report per candidate.
    public var reports: [GradeReport]
}
