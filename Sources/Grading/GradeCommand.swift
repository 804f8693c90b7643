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
        abstract: "Grade exercise answers: answer files, the references, the known-wrong answers and any registered candidate.",
        discussion: """
            Exercises: \(Exercise.allCases.map(\.rawValue).joined(separator: ", ")).
            Answer files: `grade --exercise NAME answer.swift` or `grade --exercise NAME submissions/` (each .swift file \
            or sub-folder is one submission). A file holds the layer (with `import LayerKit`) and one line naming it, \
            e.g. `let answer = MyReduction.init` (see Notes/grading.md).
            """)

    @Argument(help: "Answer files or folders of submissions to grade (needs exactly one --exercise).")
    var answers: [String] = []

    @Option(name: .long, help: "Write the summary as CSV to this file.")
    var csv: String?

    @Option(name: .long, help: "Write Gradescope's results.json (score, execution_time, output, tests[]) to this file.")
    var gradescope: String?

    @Option(name: .long, help: "Points per criterion for --gradescope, as JSON (see Notes/grading.md); default values 3, gradients 2, others 1, compiles 0.")
    var weights: String?

    @Flag(name: .long, help: "Grade each folder given as one submission (all its .swift files together), as on Gradescope.")
    var oneSubmission = false

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

    @Option(name: .long, help: "Memory (address-space) limit per candidate child, e.g. 2G, 512M, or 0 for none.")
    var memoryLimit: String = "2G"

    @Option(name: .long, help: "Memory (address-space) limit per Python child (torch alone maps about 3 GB), or 0 for none.")
    var pythonMemoryLimit: String = "8G"

    @Option(name: .long, help: "CPU-time limit per candidate child, in seconds (0 for none).")
    var cpuLimit: UInt64 = 30

    @Option(name: .long, help: "The Python interpreter for .py answers (it must import torch); default: $LAYERKIT_PYTHON, else python3 on PATH.")
    var python: String?

    @Flag(name: .long, help: "Run candidates in this process (faster; a crashing candidate takes the grader down).")
    var inProcess = false

    @Option(name: .long, help: "How candidates' code is isolated: auto (bubblewrap where namespaces work, else the dedicated learner user when run as root), bubblewrap, user, or none (only by name: no protection).")
    var isolation: String = "auto"

    @Flag(name: .long, help: "Also grade the self-test candidates (they hang, spin, throw, write to the grader's channel, exit, allocate 50 GiB, print) to prove the isolation.")
    var selfTest = false

    @Flag(name: .long, help: "List the candidates and the criteria, and exit.")
    var list = false

    /// Parsed by ArgumentParser.
    public init() {}

    public func validate() throws {
        if isGradingChild { return }  // a child takes its request from standard input
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
        _ = try limits()
        if !answers.isEmpty {
            guard exercise.count == 1 else { throw ValidationError("answer files need exactly one --exercise, e.g. --exercise tensor-reduction") }
            if inProcess || selfTest || !candidate.isEmpty || !kind.isEmpty || list {
                throw ValidationError("answer files are graded alone: drop --in-process, --self-test, --candidate, --kind and --list")
            }
        }
        if let weights { _ = try CriterionWeights(contentsOf: URL(fileURLWithPath: weights)) }
        if !inProcess && !list { _ = try chosenIsolation() }
        if inProcess && selfTest {
            throw ValidationError("--self-test needs the child processes (it hangs, exits and allocates 50 GiB); drop --in-process")
        }
    }

    /// The isolation asked for, checked to work on this machine.
    func chosenIsolation() throws -> Isolation {
        if isolation == "auto" {
            guard let automatic = Isolation.automatic() else { throw ValidationError(Isolation.noneAvailableReason()) }
            return automatic
        }
        guard let chosen = Isolation(rawValue: isolation) else {
            throw ValidationError("unknown isolation '\(isolation)'; known: auto, \(Isolation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let why = chosen.unavailableReason() { throw ValidationError("--isolation \(isolation) cannot run here: \(why)") }
        return chosen
    }

    /// The limits from the options.
    func limits() throws -> GradingLimits {
        guard let memory = parseByteCount(memoryLimit) else {
            throw ValidationError("--memory-limit: expected a size such as 2G, 512M or 0, got '\(memoryLimit)'")
        }
        guard let pythonMemory = parseByteCount(pythonMemoryLimit) else {
            throw ValidationError("--python-memory-limit: expected a size such as 8G or 0, got '\(pythonMemoryLimit)'")
        }
        return GradingLimits(timeout: timeout, memory: memory == 0 ? nil : memory, pythonMemory: pythonMemory == 0 ? nil : pythonMemory,
                             cpuSeconds: cpuLimit == 0 ? nil : cpuLimit)
    }

    public func run() throws {
        if isGradingChild { serveRegisteredCandidates(allCandidates + selfTestCandidates) }
        let started = Date()
        // Read once, before any candidate runs.
        let weights = try self.weights.map { try CriterionWeights(contentsOf: URL(fileURLWithPath: $0)) } ?? CriterionWeights()
        if !answers.isEmpty { return try gradeAnswerFiles(started: started, weights: weights) }
        let chosen = (allCandidates + (selfTest ? selfTestCandidates : [])).filter { c in
            (exercise.isEmpty || exercise.contains(c.exercise.rawValue))
                && (candidate.isEmpty || candidate.contains(c.name))
                && (kind.isEmpty || kind.contains(c.kind.rawValue))
        }.sorted { Exercise.allCases.firstIndex(of: $0.exercise)! < Exercise.allCases.firstIndex(of: $1.exercise)! }
        if list { return printList(chosen) }
        if chosen.isEmpty { throw ValidationError("no candidate matches the filters; see --list") }

        let limits = try limits()
        let isolation = inProcess ? nil : try chosenIsolation()
        var progress = Progress()
        var reports: [GradeReport] = []
        var currentExercise: Exercise?
        for (n, c) in chosen.enumerated() {
            progress.show("[\(n + 1)/\(chosen.count)] \(c.exercise.rawValue) · \(c.name)")
            let report = isolation.map { gradeInChild(c, seed: seed, limits: limits, isolation: $0, command: .registeredCandidates) }
                ?? grade(c, seed: seed)
            reports.append(report)
            if !json {
                var text = currentExercise != c.exercise ? "\n== \(c.exercise.rawValue): \(c.exercise.title)\n" : ""
                currentExercise = c.exercise
                text += report.table + (c.summary.isEmpty ? "" : "\n      (\(c.summary))")
                progress.report(text)
            }
        }
        progress.clear()
        let allRight = reports.allSatisfy(\.verdictIsRight)
        try writeOutputs(reports, started: started, weights: weights)
        if json {
            try printJSON(reports, allRight: allRight)
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

    /// Grades the answer files and folders given as arguments: a report per submission, a
    /// summary, and the CSV and Gradescope files when asked. Exits 0 once every submission is
    /// graded, whatever the grades. Each submission is read once into memory (symbolic links
    /// refused, sizes capped), compiled from a private copy and graded in sandboxed children.
    private func gradeAnswerFiles(started: Date, weights: CriterionWeights) throws {
        let exercise = Exercise(rawValue: self.exercise[0])!
        let submissions = try answers.flatMap { path in
            // The path the course gives is followed; links inside it are not.
            let url = URL(fileURLWithPath: path).resolvingSymlinksInPath()
            return oneSubmission ? [try Submission.whole(url)] : try Submission.find(at: url)
        }
        let isolation = try chosenIsolation()
        let limits = try limits()
        // Checked before anything is graded: a run without torch stops here, with what to install.
        let python = try submissions.contains { $0.language == .python } ? PythonRuntime.find(explicit: self.python) : nil
        let grader = try SubmissionGrader(exercise: exercise, seed: seed, limits: limits, isolation: isolation, python: python)
        var progress = Progress()
        var reports: [GradeReport] = []
        if !json { progress.report("== \(exercise.rawValue): \(exercise.title)") }
        for (n, submission) in submissions.enumerated() {
            progress.show("[\(n + 1)/\(submissions.count)] \(submission.language == .python ? "loading" : "compiling") and grading \(escapedForTerminal(submission.name))")
            let report = grader.grade(submission, index: n)
            reports.append(report)
            if !json { progress.report(report.table) }
        }
        progress.clear()
        try writeOutputs(reports, started: started, weights: weights)
        if json { return try printJSON(reports, allRight: true) }
        print("\n" + submissionSummary(reports) + "\n(isolation: \(isolation.rawValue))")
    }

    /// Writes the CSV and Gradescope files asked for.
    private func writeOutputs(_ reports: [GradeReport], started: Date, weights: CriterionWeights) throws {
        if let csv { try writeAtomically(summaryCSV(reports), to: URL(fileURLWithPath: csv)) }
        if let gradescope {
            let results = GradescopeResults(reports, weights: weights, executionTime: Date().timeIntervalSince(started))
            try writeAtomically(results.json + "\n", to: URL(fileURLWithPath: gradescope))
        }
    }

    private func printJSON(_ reports: [GradeReport], allRight: Bool) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(GradingRun(seed: seed, allRight: allRight, reports: reports))
        print(String(decoding: data, as: UTF8.self))
    }

    private func printList(_ candidates: [Candidate]) {
        for e in Exercise.allCases where candidates.contains(where: { $0.exercise == e }) {
            print("\(e.rawValue): \(e.title)")
            print("  criteria: \(criteria(of: e).map(\.name).joined(separator: ", "))")
            for c in candidates where c.exercise == e {
                print("  \(c.name) [\(c.kind.rawValue)]" + (c.expectedFailure.map { " must fail: \($0.name)" } ?? "")
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

/// Bytes from a size such as `2G`, `512M`, `64K` or `1000` (0 means none); nil when unreadable.
func parseByteCount(_ text: String) -> UInt64? {
    let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
    var digits = text.uppercased().trimmingCharacters(in: .whitespaces)
    if digits.hasSuffix("IB") || digits.hasSuffix("B") { digits = String(digits.dropLast(digits.hasSuffix("IB") ? 2 : 1)) }
    var scale: UInt64 = 1
    if let last = digits.last, let unit = units[last] { scale = unit; digits.removeLast() }
    guard let value = Double(digits), value >= 0 else { return nil }
    return UInt64(value * Double(scale))
}
