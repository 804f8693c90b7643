import Foundation
import LayerKitChild

/// Grades the submissions of one run, one at a time: the first criterion (`compiles` for a
/// Swift file, `loads` for a Python one), then the exercise's criteria in sandboxed children
/// that only compute. Each submission lives in a private folder of the run's workspace while
/// it is graded (its copy, its compiled child) and is removed right after, so a child never
/// sees another submission.
final class SubmissionGrader {
    let exercise: Exercise
    let seed: UInt64
    let limits: GradingLimits
    let isolation: Isolation
    let python: PythonRuntime?
    /// The run's private folder (removed with the grader).
    let workspace: URL
    private var compiler: SubmissionCompiler?

    init(exercise: Exercise, seed: UInt64, limits: GradingLimits, isolation: Isolation, python: PythonRuntime?) throws {
        self.exercise = exercise
        self.seed = seed
        self.limits = limits
        self.isolation = isolation
        self.python = python
        workspace = FileManager.default.temporaryDirectory.appendingPathComponent("layerkit-grade-\(UUID().uuidString)")
        // Searchable but not listable: a child may reach its own folder, not find the others.
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o711])
    }

    deinit { try? FileManager.default.removeItem(at: workspace) }

    /// The compiler, made at the first Swift submission (it reads the build and compiles the entry point once).
    private func swiftCompiler() throws -> SubmissionCompiler {
        if let compiler { return compiler }
        let made = try SubmissionCompiler(exercise: exercise, scratch: workspace.appendingPathComponent("compiler"))
        compiler = made
        return made
    }

    /// The report of `submission`, the `index`-th of the run.
    func grade(_ submission: Submission, index: Int) -> GradeReport {
        let started = ContinuousClock.now
        let first: CriterionID = submission.language == .python ? .loads : .compiles
        func report(_ results: [CriterionResult], output: String? = nil) -> GradeReport {
            GradeReport(exercise: exercise.rawValue, candidate: submission.name, kind: .learner, expectedFailure: nil,
                        results: results, output: output, seconds: (ContinuousClock.now - started).seconds, isolation: isolation)
        }
        func notRun(figure: String, reason: String, output: String? = nil) -> GradeReport {
            let because = first == .loads ? "the submission does not load" : "the submission does not compile"
            return report([CriterionResult(first, passed: false, figure: figure, reason: reason)]
                          + criteria(of: exercise).map { CriterionResult($0, passed: false, figure: "not run", reason: because) },
                          output: output)
        }
        if let problem = submission.problem { return notRun(figure: "not graded", reason: problem) }
        let folder = workspace.appendingPathComponent("\(index)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        } catch {
            return notRun(figure: "not graded", reason: "the grader could not make its scratch folder: \(error)")
        }
        let command: ChildCommand
        switch submission.language {
        case .swift?, nil:
            let compiler: SubmissionCompiler
            do { compiler = try swiftCompiler() } catch { return notRun(figure: "not compiled", reason: "\(error)") }
            switch compiler.compile(submission, in: folder) {
            case .failed(let figure, let reason): return notRun(figure: figure, reason: reason)
            case .compiled(let child): command = .compiledAnswer(child)
            }
        case .python?:
            guard let python else { return notRun(figure: "not loaded", reason: "no Python interpreter was set up for this run") }
            switch pythonAnswer(submission, in: folder) {
            case .failure(let problem): return notRun(figure: problem.figure, reason: problem.reason)
            case .success(let answer):
                do { command = try python.command(answer: answer, folder: folder) } catch {
                    return notRun(figure: "not loaded", reason: "\(error)")
                }
            }
        }
        let firstSeconds = (ContinuousClock.now - started).seconds
        let transport = ChildProcessTransport(command: command, limits: limits, isolation: isolation)
        let session = CandidateSession(transport: transport, hello: Hello(signature: exercise.signature, candidate: submission.name,
                                                                          exercise: exercise.rawValue),
                                       timeout: .seconds(limits.timeout))
        var results: [CriterionResult]
        if first == .loads {
            do {
                try session.start()
                results = [CriterionResult(.loads, passed: true,
                                           figure: String(format: "loaded in %.1f s (%@)", (ContinuousClock.now - started).seconds,
                                                          session.ready?.runtime ?? "Python"))]
                results += judge(exercise, in: session, seed: seed, limits: limits)
            } catch let failure as ChildFailure {
                transport.reset()
                let (figure, reason) = failure.loadDescription(limits: limits)
                return notRun(figure: figure, reason: reason, output: transport.printed.text)
            } catch {
                return notRun(figure: "not loaded", reason: "\(error)")
            }
        } else {
            results = [CriterionResult(.compiles, passed: true, figure: String(format: "compiled in %.1f s", firstSeconds))]
                + judge(exercise, in: session, seed: seed, limits: limits)
        }
        transport.reset()
        return report(results, output: transport.printed.text)
    }

    /// The Python submission's files written to `folder`, and the one that defines `answer`.
    private func pythonAnswer(_ submission: Submission, in folder: URL) -> Result<URL, Failed> {
        var main: [URL] = []
        for file in submission.files {
            guard let text = String(data: file.contents, encoding: .utf8) else {
                let (offset, byte, line) = firstInvalidUTF8(file.contents)
                return .failure(Failed(figure: "not UTF-8",
                                       reason: String(format: "%@ is not UTF-8 text (byte 0x%02X at offset %d, line %d): save it as UTF-8",
                                                      escapedForTerminal(file.name), byte, offset, line)))
            }
            let url = folder.appendingPathComponent("answer").appendingPathComponent(file.name)
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o755])
                try file.contents.write(to: url)
                try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
            } catch {
                return .failure(Failed(figure: "not loaded", reason: "the grader could not write its scratch files: \(error)"))
            }
            let code = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n")
            if code.range(of: #"(^|\n)(answer\s*[:=]|def\s+answer\b|class\s+answer\b)"#, options: .regularExpression) != nil
                || submission.files.count == 1 {
                main.append(url)
            }
        }
        if submission.files.allSatisfy({ String(decoding: $0.contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            return .failure(Failed(figure: "empty", reason: "the submission is empty: write your layer, then one line naming it, e.g. `\(exercise.pythonAnswerExample)`"))
        }
        guard main.count == 1 else {
            return .failure(Failed(figure: main.isEmpty ? "no `answer`" : "several `answer`s",
                                   reason: main.isEmpty
                                    ? "no file defines `answer` at its top level: add one line naming your layer, e.g. `\(exercise.pythonAnswerExample)` — called as \(exercise.pythonCall)"
                                    : "\(main.count) files define `answer`: keep one"))
        }
        return .success(main[0])
    }
}

extension ChildFailure {
    /// The figure and reason of the `loads` criterion when the answer did not load.
    func loadDescription(limits: GradingLimits) -> (String, String) {
        switch self {
        case .raised(let failure) where failure.kind == .noAnswer: return ("no `answer`", failure.message)
        case .raised(let failure): return ("does not load", failure.message)
        case .timedOut: return ("timed out", "loading the file took longer than the grader allows: it must only define the layer")
        case .exited(let status):
            return ("exited with status \(status)", "the file ended the process (status \(status)) while it was imported: an answer file only defines the layer (no sys.exit, no os._exit)")
        default:
            return described(during: .loads, limits: limits, language: .python)
        }
    }
}
