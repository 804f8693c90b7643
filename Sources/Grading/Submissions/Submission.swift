import Foundation

/// One learner's answer given as files: a single `.swift` file, or a folder of them.
public struct Submission: Sendable {
    /// The name in reports: the file's or the folder's name.
    public var name: String
    /// The `.swift` files.
    public var files: [URL]

    /// The folder (or file) at `url` as one submission: every `.swift` file in it or below it.
    public static func whole(_ url: URL) throws -> Submission {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw SubmissionError("no such file or folder: \(url.path)")
        }
        guard isDirectory.boolValue else { return Submission(name: url.lastPathComponent, files: [url]) }
        let all = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        return Submission(name: url.lastPathComponent,
                          files: all.filter { $0.pathExtension == "swift" }.sorted { $0.path < $1.path })
    }

    /// The submissions at `url`: the file itself, or in a folder each `.swift` file and each
    /// sub-folder (with its `.swift` files), sorted by name.
    public static func find(at url: URL) throws -> [Submission] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw SubmissionError("no such file or folder: \(url.path)")
        }
        guard isDirectory.boolValue else { return [Submission(name: url.lastPathComponent, files: [url])] }
        let entries = try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: [.isDirectoryKey])
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        var found: [Submission] = []
        for entry in entries {
            if (try? entry.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
                let files = (try? FileManager.default.contentsOfDirectory(at: entry, includingPropertiesForKeys: nil)) ?? []
                found.append(Submission(name: entry.lastPathComponent,
                                        files: files.filter { $0.pathExtension == "swift" }.sorted { $0.path < $1.path }))
            } else if entry.pathExtension == "swift" {
                found.append(Submission(name: entry.lastPathComponent, files: [entry]))
            }
        }
        if found.isEmpty { throw SubmissionError("no .swift file or sub-folder in \(url.path)") }
        return found
    }
}

/// A problem with the submissions' location (not with one submission's content).
public struct SubmissionError: Error, CustomStringConvertible {
    /// What is wrong.
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Why a submission did not compile, or the child executable it compiled to.
enum CompileOutcome {
    case compiled(URL)
    case failed(figure: String, reason: String)
}

/// Compiles submissions against the grader's own build, into a scratch folder removed at the end.
final class SubmissionCompiler {
    let exercise: Exercise
    let settings: BuildSettings
    let scratch: URL

    init(exercise: Exercise) throws {
        self.exercise = exercise
        settings = try BuildSettings.forCurrentExecutable()
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerkit-submissions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    /// Checks the files against the contract, then compiles them with the generated `main`
    /// into a child executable.
    func compile(_ submission: Submission, index: Int) -> CompileOutcome {
        if let problem = contractProblem(submission) { return problem }
        let dir = scratch.appendingPathComponent("\(index)")
        let main = dir.appendingPathComponent("layerkit_submission_main.swift"), child = dir.appendingPathComponent("child")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try exercise.submissionMain.write(to: main, atomically: true, encoding: .utf8)
        } catch {
            return .failed(figure: "not compiled", reason: "the grader could not write its scratch files: \(error)")
        }
        let arguments = ["-swift-version", "5", "-parse-as-library", "-Onone", "-module-name", "Submission"]
            + settings.compileFlags + submission.files.map(\.path) + [main.path]
            + settings.objects + settings.linkFlags + settings.fastLinker + ["-o", child.path]
        let run = runTool(settings.swiftc, arguments, limit: compileTimeLimit)
        if run.status == 0 { return .compiled(child) }
        if run.status == nil {
            return .failed(figure: "compiler timed out",
                           reason: "the compiler took more than \(Int(compileTimeLimit)) s: simplify the expressions it cannot type-check quickly (add type annotations)")
        }
        return .failed(figure: "does not compile", reason: compilerReason(run.output, submission: submission, main: main))
    }

    /// A clear reason for a submission that breaks the contract before any compiling: empty,
    /// not UTF-8, or naming no `answer`.
    private func contractProblem(_ s: Submission) -> CompileOutcome? {
        if s.files.isEmpty { return .failed(figure: "no .swift file", reason: "the folder \(s.name) holds no .swift file") }
        var sources: [String] = []
        for file in s.files {
            guard let data = try? Data(contentsOf: file) else {
                return .failed(figure: "unreadable", reason: "\(file.lastPathComponent) cannot be read")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                let (offset, byte, line) = firstInvalidUTF8(data)
                return .failed(figure: "not UTF-8",
                               reason: String(format: "%@ is not UTF-8 text (byte 0x%02X at offset %d, line %d): save it as UTF-8",
                                              file.lastPathComponent, byte, offset, line))
            }
            sources.append(text)
        }
        let code = sources.map(strippingComments).joined(separator: "\n")
        if code.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return .failed(figure: "empty", reason: "the submission is empty: write your layer, then one line naming it, e.g. `\(exercise.answerExample)`")
        }
        if code.range(of: #"\b(let|var|func)\s+answer\b"#, options: .regularExpression) == nil {
            return .failed(figure: "no `answer`",
                           reason: "nothing is named `answer`: add one line naming your layer, e.g. `\(exercise.answerExample)` — a function \(exercise.answerType) taking \(exercise.answerArguments)")
        }
        return nil
    }

    /// The compiler's first error lines, with paths shown relative to the submission.
    private func compilerReason(_ output: String, submission: Submission, main: URL) -> String {
        let errors = output.split(separator: "\n").map(String.init).filter { $0.contains(": error: ") }
        guard !errors.isEmpty else {
            return "the compiler failed: " + (output.split(separator: "\n").prefix(3).joined(separator: " / "))
        }
        let fromMain = errors.filter { $0.hasPrefix(main.path) }
        if fromMain.count == errors.count, let first = fromMain.first {
            let message = first.components(separatedBy: ": error: ").last ?? first
            return "`answer` is not a function \(exercise.answerType) (taking \(exercise.answerArguments)): \(message); e.g. `\(exercise.answerExample)`"
        }
        var shown = errors.filter { !$0.hasPrefix(main.path) }.prefix(3).map { line -> String in
            var line = line
            for file in submission.files { line = line.replacingOccurrences(of: file.path, with: file.lastPathComponent) }
            return line
        }
        if errors.count > shown.count { shown.append("(\(errors.count - shown.count) more error(s))") }
        return "the compiler stops: " + shown.joined(separator: " | ")
    }
}

/// Removes `//` and `/* */` comments (roughly: not inside string literals), to look for `answer`.
func strippingComments(_ text: String) -> String {
    text.replacingOccurrences(of: #"/\*[\s\S]*?\*/"#, with: " ", options: .regularExpression)
        .replacingOccurrences(of: #"//[^\n]*"#, with: "", options: .regularExpression)
}

/// The offset, value and line of the first byte that is not valid UTF-8.
func firstInvalidUTF8(_ data: Data) -> (offset: Int, byte: UInt8, line: Int) {
    let bytes = [UInt8](data)
    var i = 0, line = 1
    while i < bytes.count {
        let b = bytes[i]
        let length = b < 0x80 ? 1 : b >> 5 == 0b110 ? 2 : b >> 4 == 0b1110 ? 3 : b >> 3 == 0b11110 ? 4 : 0
        let valid = length > 0 && i + length <= bytes.count && bytes[i + 1 ..< i + length].allSatisfy { $0 >> 6 == 0b10 }
            && String(bytes: bytes[i ..< i + length], encoding: .utf8) != nil
        if !valid { return (i, b, line) }
        if b == UInt8(ascii: "\n") { line += 1 }
        i += length
    }
    return (bytes.count, 0, line)
}

/// Runs a tool for at most `limit` seconds, returning its exit status and its standard output
/// and error together (status nil when it ran out of time and was stopped).
func runTool(_ path: String, _ arguments: [String], limit: Double = 120) -> (status: Int32?, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let collector = PipeCollector()
    process.standardOutput = collector.pipe
    process.standardError = collector.pipe
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    do { try process.run() } catch { return (-1, "could not start \(path): \(error)") }
    if exited.wait(timeout: .now() + limit) == .timedOut {
        process.terminate()
        exited.wait()
        return (nil, String(decoding: collector.finish(), as: UTF8.self))
    }
    return (process.terminationStatus, String(decoding: collector.finish(), as: UTF8.self))
}

/// Seconds a submission's compiling may take.
let compileTimeLimit = 120.0

/// Grades one submission: the `compiles` criterion, then the exercise's criteria in children
/// of the compiled executable (or all "not run" when it does not compile).
func gradeSubmission(_ submission: Submission, index: Int, compiler: SubmissionCompiler, seed: UInt64,
                     limits: GradingLimits) -> GradeReport {
    let started = Date()
    let exercise = compiler.exercise
    let ids = criteria(of: exercise)
    var results: [CriterionResult]
    var output: String?
    switch compiler.compile(submission, index: index) {
    case .failed(let figure, let reason):
        results = [CriterionResult(.compiles, passed: false, figure: figure, reason: reason)]
            + ids.map { CriterionResult($0, passed: false, figure: "not run", reason: "the submission does not compile") }
    case .compiled(let child):
        let compileSeconds = Date().timeIntervalSince(started)
        let run = runCriteriaInChildren(exercise: exercise, candidate: compiledSubmissionName, seed: seed, limits: limits,
                                        command: ChildCommand(executable: child, arguments: []))
        results = [CriterionResult(.compiles, passed: true, figure: String(format: "compiled in %.1f s", compileSeconds))] + run.results
        output = run.output
    }
    return GradeReport(exercise: exercise.rawValue, candidate: submission.name, kind: .learner, expectedFailure: nil,
                       results: results, output: output, seconds: Date().timeIntervalSince(started))
}
