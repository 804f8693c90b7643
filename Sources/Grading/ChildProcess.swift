import Foundation
import Synchronization

/// The environment variable that turns a `grade` run into a child: `exercise/candidate/seed/start`.
let childEnvironmentKey = "LAYERKIT_GRADE_CHILD"
/// The prefix of a result line a child writes on standard output.
let resultLinePrefix = "LAYERKIT-GRADE-RESULT "

/// One result line from a child: which criterion, and how it went.
struct ChildResultLine: Codable {
    var index: Int
    var result: CriterionResult
}

/// What a child process is asked to do.
struct ChildRequest {
    var exercise: Exercise
    var candidate: String
    var seed: UInt64
    var start: Int

    var encoded: String { "\(exercise.rawValue)/\(candidate)/\(seed)/\(start)" }

    /// The request in this process's environment, if it is a child.
    static func fromEnvironment() -> ChildRequest? {
        guard let raw = ProcessInfo.processInfo.environment[childEnvironmentKey] else { return nil }
        let parts = raw.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 4, let exercise = Exercise(rawValue: parts[0]),
              let seed = UInt64(parts[parts.count - 2]), let start = Int(parts[parts.count - 1]) else { return nil }
        return ChildRequest(exercise: exercise, candidate: parts[1..<(parts.count - 2)].joined(separator: "/"), seed: seed, start: start)
    }
}

/// Runs a child's criteria and writes one result line per criterion, flushed, so the parent
/// knows how far it got if the candidate then crashes.
func runAsChild(_ request: ChildRequest, candidates: [Candidate]) -> Int32 {
    guard let candidate = candidates.first(where: { $0.exercise == request.exercise && $0.name == request.candidate }) else {
        FileHandle.standardError.write(Data("layerkit grade: no candidate \(request.candidate) for \(request.exercise.rawValue)\n".utf8))
        return 2
    }
    let encoder = JSONEncoder()
    runCriteria(candidate, seed: request.seed, from: request.start) { index, result in
        guard let json = try? encoder.encode(ChildResultLine(index: index, result: result)) else { return }
        FileHandle.standardOutput.write(Data((resultLinePrefix + String(decoding: json, as: UTF8.self) + "\n").utf8))
    }
    return 0
}

/// Grades `candidate` in child processes of `executable` (started with `arguments` and the
/// child request in the environment), so a crash or a hang cannot take the grader down.
///
/// A criterion during which the child crashes fails with the crash message, and a new child
/// resumes at the next criterion. The whole candidate gets `timeout` seconds; if that runs
/// out, the criterion in progress fails as timed out and the rest are not run.
public func gradeInChildProcess(_ candidate: Candidate, seed: UInt64 = 0, timeout: Double = 10,
                                executable: URL, arguments: [String]) -> GradeReport {
    let names = criteria(of: candidate.exercise)
    var results: [CriterionResult?] = Array(repeating: nil, count: names.count)
    let deadline = Date().addingTimeInterval(timeout)
    var start = 0
    while start < names.count {
        let request = ChildRequest(exercise: candidate.exercise, candidate: candidate.name, seed: seed, start: start)
        let run = runChild(executable: executable, arguments: arguments, request: request, until: deadline)
        for line in run.lines where line.index < names.count { results[line.index] = line.result }
        guard let next = results.firstIndex(where: { $0 == nil }) else { break }
        if run.timedOut {
            results[next] = CriterionResult(criterion: names[next], passed: false, figure: "timed out",
                                            reason: "no result within the \(formatSeconds(timeout)) time limit: the candidate hangs or is far too slow")
            for i in (next + 1)..<names.count where results[i] == nil {
                results[i] = CriterionResult(criterion: names[i], passed: false, figure: "not run", reason: "the candidate timed out earlier")
            }
            break
        }
        results[next] = CriterionResult(criterion: names[next], passed: false, figure: run.exitDescription,
                                        reason: "the candidate crashed: \(run.crashMessage)")
        start = next + 1
    }
    return GradeReport(exercise: candidate.exercise.rawValue, candidate: candidate.name, kind: candidate.kind,
                       expectedFailure: candidate.expectedFailure, results: results.enumerated().map { i, r in
                           r ?? CriterionResult(criterion: names[i], passed: false, figure: "not run", reason: "no result")
                       })
}

private func formatSeconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : "\(s) s" }

/// What one child run produced.
private struct ChildRun {
    var lines: [ChildResultLine]
    var timedOut: Bool
    var exitDescription: String
    var crashMessage: String
}

/// Collects a pipe's bytes as they arrive, so a chatty child never blocks on a full pipe.
private final class PipeCollector: Sendable {
    private let data = Mutex(Data())
    let pipe = Pipe()

    init() {
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            self?.data.withLock { $0.append(chunk) }
        }
    }

    /// Everything read, once the child has exited.
    func finish() -> Data {
        pipe.fileHandleForReading.readabilityHandler = nil
        let rest = (try? pipe.fileHandleForReading.readToEnd()) ?? nil
        return data.withLock { $0 + (rest ?? Data()) }
    }
}

private func runChild(executable: URL, arguments: [String], request: ChildRequest, until deadline: Date) -> ChildRun {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment[childEnvironmentKey] = request.encoded
    environment["SWIFT_BACKTRACE"] = "enable=no"  // a crash report in milliseconds, not a backtrace in seconds
    process.environment = environment
    let out = PipeCollector(), err = PipeCollector()
    process.standardOutput = out.pipe
    process.standardError = err.pipe
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    do { try process.run() } catch {
        return ChildRun(lines: [], timedOut: false, exitDescription: "could not start", crashMessage: "could not start \(executable.path): \(error)")
    }
    var timedOut = false
    if exited.wait(timeout: .now() + max(0, deadline.timeIntervalSinceNow)) == .timedOut {
        timedOut = true
        process.terminate()
        if exited.wait(timeout: .now() + 1) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
        }
    }
    let decoder = JSONDecoder()
    let lines = String(decoding: out.finish(), as: UTF8.self).split(separator: "\n").compactMap { line -> ChildResultLine? in
        guard line.hasPrefix(resultLinePrefix) else { return nil }
        return try? decoder.decode(ChildResultLine.self, from: Data(line.dropFirst(resultLinePrefix.count).utf8))
    }
    let stderr = String(decoding: err.finish(), as: UTF8.self)
    let exit = process.terminationReason == .uncaughtSignal
        ? "crashed (signal \(process.terminationStatus))" : "exited with status \(process.terminationStatus)"
    return ChildRun(lines: lines, timedOut: timedOut, exitDescription: exit, crashMessage: crashMessage(stderr))
}

/// The useful line of a crashed child's standard error: Swift's `Fatal error: …` message
/// (LayerKit's ops name themselves and the shapes there), else the last line.
func crashMessage(_ stderr: String) -> String {
    let lines = stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    if let fatal = lines.first(where: { $0.contains("Fatal error: ") }),
       let range = fatal.range(of: "Fatal error: ") {
        return String(fatal[range.upperBound...].prefix(300))
    }
    return lines.last(where: { !$0.isEmpty }).map { String($0.prefix(300)) } ?? "no message on standard error"
}
