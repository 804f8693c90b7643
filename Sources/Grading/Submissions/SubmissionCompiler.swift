import Foundation
import LayerKitChild

/// Why a submission did not compile, or the child executable it compiled to.
enum CompileOutcome {
    case compiled(URL)
    case failed(figure: String, reason: String)
}

/// Compiles Swift answer files against the grader's own build; its own files (the module
/// folders, the entry point) live in a private folder (mode 0700).
///
/// A submission is compiled as its own module (`Answer`), seeing LayerKit only, together with
/// one generated function that hands `answer`, converted to the exercise's function type, to
/// the child's entry point. The entry point itself is a separate module compiled once per run
/// and linked in: the answer cannot replace it (a second `main` does not link) and cannot name
/// what it calls. The compiler runs under limits in a session of its own.
final class SubmissionCompiler {
    let exercise: Exercise
    let settings: BuildSettings
    let scratch: URL
    private let entryObject: URL

    /// The compiler's limits: wall and CPU time, address space, file size.
    static let limits = SandboxLimits(addressSpace: 8 << 30, cpuSeconds: 120, processes: nil, fileSize: 1 << 30, openFiles: 1024,
                                      temporaryBytes: 0)
    static let timeLimit: Duration = .seconds(120)

    init(exercise: Exercise, scratch: URL) throws {
        self.exercise = exercise
        self.scratch = scratch
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        settings = try BuildSettings.forCurrentExecutable(scratch: scratch)
        entryObject = scratch.appendingPathComponent("entry.o")
        let source = scratch.appendingPathComponent("layerkit_child_entry.swift")
        try SubmissionCompiler.entrySource.write(to: source, atomically: true, encoding: .utf8)
        let run = runLimited(settings.swiftc, ["-c", "-parse-as-library", "-swift-version", "6", "-Onone", "-module-name", "LayerKitChildEntry"]
                             + settings.entryFlags + [source.path, "-o", entryObject.path],
                             environment: nil, limits: SubmissionCompiler.limits, timeout: SubmissionCompiler.timeLimit)
        guard run.termination == .exited(0) else {
            throw SubmissionError("the grader could not compile its child's entry point: \(run.output.prefix(2000))")
        }
    }

    /// The child's entry point: serves the grader's requests with the answer `layerkit_answer` returns.
    static let entrySource = """
        import LayerKitChild

        @_silgen_name("layerkit_answer")
        func layerkitAnswer() -> Any

        @main enum LayerKitChildEntry {
            static func main() { serveCompiledAnswer { layerkitAnswer() } }
        }

        """

    /// The function added to the learner's module: `answer` as the exercise's function type.
    var answerThunk: String {
        """
        import LayerKit

        @_silgen_name("layerkit_answer")
        public func __layerkitAnswer() -> Any {
            let converted: \(exercise.signature.swiftThrowingType.replacingOccurrences(of: "Module", with: "LayerKit.Module")) = answer
            return converted
        }

        """
    }

    /// Checks the files against the contract, then compiles them with the thunk into a child
    /// executable in `folder` (the submission's folder, which the caller removes).
    func compile(_ submission: Submission, in folder: URL) -> CompileOutcome {
        if let problem = contractProblem(submission) { return problem }
        let sources = folder.appendingPathComponent("src"), thunk = folder.appendingPathComponent("layerkit_answer_thunk.swift")
        let object = folder.appendingPathComponent("answer.o"), child = folder.appendingPathComponent("child")
        var files: [URL] = []
        do {
            try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            for (index, file) in submission.files.enumerated() {
                // Flat names: a folder's structure does not matter to the compiler.
                let url = sources.appendingPathComponent("\(index)-" + file.name.replacingOccurrences(of: "/", with: "_"))
                try file.contents.write(to: url)
                files.append(url)
            }
            try answerThunk.write(to: thunk, atomically: true, encoding: .utf8)
        } catch {
            return .failed(figure: "not compiled", reason: "the grader could not write its scratch files: \(error)")
        }
        let compileArguments = ["-c", "-wmo", "-parse-as-library", "-swift-version", "5", "-Onone", "-module-name", "Answer",
                                "-diagnostic-style", "llvm"]
            + settings.answerFlags + files.map(\.path) + [thunk.path, "-o", object.path]
        let compiled = runLimited(settings.swiftc, compileArguments, environment: nil, limits: SubmissionCompiler.limits,
                                  timeout: SubmissionCompiler.timeLimit)
        guard compiled.termination == .exited(0) else {
            return failure(compiled, submission: submission, files: files, thunk: thunk)
        }
        let linkArguments = [object.path, entryObject.path] + settings.objects + settings.linkFlags + settings.fastLinker
            + ["-o", child.path]
        let linked = runLimited(settings.swiftc, linkArguments, environment: nil, limits: SubmissionCompiler.limits,
                                timeout: SubmissionCompiler.timeLimit)
        guard linked.termination == .exited(0) else {
            return failure(linked, submission: submission, files: files, thunk: thunk)
        }
        // Executable by the sandbox's user (the compiler ran with a private umask).
        try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: child.path)
        return .compiled(child)
    }

    /// The figure and reason of a compile or link that did not succeed.
    private func failure(_ run: (termination: Termination?, output: String), submission: Submission, files: [URL],
                         thunk: URL) -> CompileOutcome {
        guard let termination = run.termination else {
            return .failed(figure: "compiler timed out",
                           reason: "the compiler took more than \(SubmissionCompiler.timeLimit.components.seconds) s: simplify the expressions it cannot type-check quickly (add type annotations)")
        }
        if case .signaled = termination {
            return .failed(figure: "compiler stopped",
                           reason: "the compiler ran out of its time or memory limit on this submission: simplify the expressions it cannot type-check quickly (add type annotations)")
        }
        return .failed(figure: "does not compile", reason: compilerReason(run.output, submission: submission, files: files, thunk: thunk))
    }

    /// A clear reason for a submission that breaks the contract before any compiling: empty,
    /// not UTF-8, naming no `answer`, or `@testable`.
    private func contractProblem(_ s: Submission) -> CompileOutcome? {
        if let problem = s.problem { return .failed(figure: "not graded", reason: problem) }
        var sources: [String] = []
        for file in s.files {
            guard let text = String(data: file.contents, encoding: .utf8) else {
                let (offset, byte, line) = firstInvalidUTF8(file.contents)
                return .failed(figure: "not UTF-8",
                               reason: String(format: "%@ is not UTF-8 text (byte 0x%02X at offset %d, line %d): save it as UTF-8",
                                              escapedForTerminal(file.name), byte, offset, line))
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
        if code.range(of: #"@\s*testable\b"#, options: .regularExpression) != nil {
            return .failed(figure: "does not compile",
                           reason: "`@testable import` is not available to answers: write `import LayerKit` and use its public API")
        }
        return nil
    }

    /// The compiler's first error lines, with paths shown relative to the submission.
    private func compilerReason(_ output: String, submission: Submission, files: [URL], thunk: URL) -> String {
        let lines = output.split(separator: "\n").map(String.init)
        let errors = lines.filter { $0.contains("error: ") }
        let missing = errors.lazy.compactMap { line in
            line.range(of: #"no such module '[^']*'"#, options: .regularExpression).map { String(line[$0]) }
        }.first
        if let missing {
            let module = missing.dropFirst("no such module '".count).dropLast()
            return "`import \(module)` is not available to answers (\(missing)): an answer imports LayerKit — and Swift's own Foundation — only"
        }
        if errors.contains(where: { ($0.contains("duplicate symbol") || $0.contains("multiple definitions of symbol"))
                                    && ($0.contains("main") || $0.contains("layerkit_answer")) })
            || errors.contains(where: { $0.contains("'main' attribute") }) {
            return "an answer file has no entry point of its own (no @main, no top-level code, nothing named layerkit_answer): the grader provides it"
        }
        guard !errors.isEmpty else {
            return "the compiler failed: " + escapedForTerminal(lines.prefix(3).joined(separator: " / "))
        }
        let fromThunk = errors.filter { $0.hasPrefix(thunk.path) }
        if fromThunk.count == errors.count, let first = fromThunk.first {
            let message = first.components(separatedBy: "error: ").last ?? first
            return "`answer` is not a function \(exercise.answerType) (taking \(exercise.answerArguments)): \(message); e.g. `\(exercise.answerExample)`"
        }
        var shown = errors.filter { !$0.hasPrefix(thunk.path) }.prefix(3).map { line -> String in
            var line = line
            for (url, file) in zip(files, submission.files) { line = line.replacingOccurrences(of: url.path, with: file.name) }
            return escapedForTerminal(line)
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
