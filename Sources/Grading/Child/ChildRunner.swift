import Foundation
import Synchronization

/// The limits each candidate runs under.
public struct GradingLimits: Sendable {
    /// Wall time for the whole candidate, in seconds.
    public var timeout: Double
    /// Address-space limit of each child, in bytes (nil: none).
    public var memory: UInt64?
    /// CPU time of each child, in seconds (nil: none).
    public var cpuSeconds: UInt64?

    /// Limits; the defaults are 10 s of wall time, 2 GiB and 30 s of CPU time.
    public init(timeout: Double = 10, memory: UInt64? = 2 << 30, cpuSeconds: UInt64? = 30) {
        self.timeout = timeout
        self.memory = memory
        self.cpuSeconds = cpuSeconds
    }
}

/// How to start a child: the executable and its arguments.
public struct ChildCommand: Sendable {
    /// The program (this executable for registered candidates, a compiled submission otherwise).
    public var executable: URL
    /// Its arguments.
    public var arguments: [String]

    /// A command.
    public init(executable: URL, arguments: [String]) {
        self.executable = executable
        self.arguments = arguments
    }

    /// This very program with its own arguments: the child of a registered candidate.
    public static var current: ChildCommand {
        let url = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return ChildCommand(executable: url, arguments: Array(CommandLine.arguments.dropFirst()))
    }
}

/// Grades `candidate` in child processes of `command` (this program by default), so that a
/// crash, a hang, a huge allocation or an `exit()` cannot take the grader down or change the
/// verdict.
///
/// Results travel on a private file, each line tagged with a per-run random key that never
/// leaves memory (see `Notes/grading.md`); what the
/// candidate prints is captured and shown truncated as the report's `output`, never parsed.
/// A criterion during which the child crashes fails with the crash, and a new child resumes
/// at the next criterion. If the child ends normally before reporting every criterion (its
/// code called `exit`), the rest fail with "exited with status N during criterion X". When the
/// wall time or the CPU time runs out, the criterion in progress fails and the rest are not run.
public func gradeInChildProcess(_ candidate: Candidate, seed: UInt64 = 0, limits: GradingLimits = GradingLimits(),
                                command: ChildCommand = .current) -> GradeReport {
    let started = Date()
    let ids = criteria(of: candidate.exercise)
    let results = runCriteriaInChildren(exercise: candidate.exercise, candidate: candidate.name, seed: seed,
                                        limits: limits, command: command)
    return GradeReport(exercise: candidate.exercise.rawValue, candidate: candidate.name, kind: candidate.kind,
                       expectedFailure: candidate.expectedFailure, results: zip(ids, results.results).map { $1 },
                       output: results.output, seconds: Date().timeIntervalSince(started))
}

/// What the children of one candidate produced: one result per criterion and what was printed.
struct ChildResults {
    var results: [CriterionResult]
    var output: String?
}

func runCriteriaInChildren(exercise: Exercise, candidate: String, seed: UInt64, limits: GradingLimits,
                           command: ChildCommand) -> ChildResults {
    let ids = criteria(of: exercise)
    var results: [CriterionResult?] = Array(repeating: nil, count: ids.count)
    var printed = CapturedOutput()
    let deadline = Date().addingTimeInterval(limits.timeout)
    var start = 0
    func failRest(from first: Int, figure: String, reason: String, restReason: String) {
        for i in first..<ids.count where results[i] == nil {
            results[i] = CriterionResult(ids[i], passed: false, figure: i == first ? figure : "not run",
                                         reason: i == first ? reason : restReason)
        }
    }
    while start < ids.count {
        let request = ChildRequest(exercise: exercise, candidate: candidate, seed: seed, start: start,
                                   resultsPath: "", key: .random(), memoryLimit: limits.memory,
                                   cpuSeconds: limits.cpuSeconds)
        let run = runChild(command, request: request, until: deadline)
        printed.append(stdout: run.stdout, stderr: run.stderr)
        if let setup = run.setupError {
            failRest(from: start, figure: "could not grade", reason: setup, restReason: setup)
            break
        }
        for (index, result) in run.results where index >= start && index < ids.count && results[index] == nil
            && result.id == ids[index] {
            results[index] = result
        }
        guard let next = results.firstIndex(where: { $0 == nil }) else { break }
        let during = "during criterion `\(ids[next].name)`"
        switch run.ending {
        case .timedOut:
            failRest(from: next, figure: "timed out",
                     reason: "no result within the \(formatSeconds(limits.timeout)) time limit: the candidate hangs or is far too slow",
                     restReason: "the candidate timed out earlier")
        case .cpuLimit:
            failRest(from: next, figure: "CPU time limit",
                     reason: "used more than \(limits.cpuSeconds ?? 0) s of CPU time \(during): the candidate loops or is far too slow",
                     restReason: "the candidate ran out of CPU time earlier")
        case .exited(let status):
            let figure = "exited with status \(status)"
            failRest(from: next, figure: figure,
                     reason: "the candidate's code ended the process (status \(status)) \(during): a layer must not call exit()",
                     restReason: "the process exited with status \(status) \(during)")
        case .outOfMemory:
            let limit = limits.memory.map(formatBytes) ?? "the"
            results[next] = CriterionResult(ids[next], passed: false, figure: "out of memory",
                                            reason: "an allocation went beyond the \(limit) memory limit \(during): check the sizes of the tensors the layer makes (an outer product over the batch?)")
        case .crashed(let signal, let message):
            results[next] = CriterionResult(ids[next], passed: false, figure: "crashed (signal \(signal))",
                                            reason: "the candidate crashed: \(message)")
        }
        start = next + 1
        if case .crashed = run.ending { continue }
        if case .outOfMemory = run.ending { continue }
        break
    }
    return ChildResults(results: results.enumerated().map { i, r in
        r ?? CriterionResult(ids[i], passed: false, figure: "not run", reason: "no result")
    }, output: printed.text)
}

func formatSeconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : "\(s) s" }

func formatBytes(_ bytes: UInt64) -> String {
    bytes % (1 << 30) == 0 ? "\(bytes >> 30) GiB" : bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
}

/// How a child ended, as far as grading cares.
enum ChildEnding {
    case timedOut, cpuLimit, outOfMemory
    case exited(Int32)
    case crashed(signal: Int32, message: String)
}

/// What one child run produced.
struct ChildRun {
    var results: [(Int, CriterionResult)]
    var setupError: String?
    var ending: ChildEnding
    var stdout: Data
    var stderr: Data
}

/// Collects a pipe's bytes as they arrive (up to a cap), so a chatty child never blocks on a
/// full pipe and never fills the grader's memory.
final class PipeCollector: Sendable {
    private let data = Mutex(Data())
    let pipe = Pipe()
    static let cap = 64 * 1024

    init() {
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            self?.data.withLock { if $0.count < PipeCollector.cap { $0.append(chunk.prefix(PipeCollector.cap - $0.count)) } }
        }
    }

    /// Everything read (up to the cap), once the child has exited.
    func finish() -> Data {
        pipe.fileHandleForReading.readabilityHandler = nil
        let rest = (try? pipe.fileHandleForReading.readToEnd()) ?? nil
        return data.withLock { ($0 + (rest ?? Data())).prefix(PipeCollector.cap) }
    }
}

/// A private directory (mode 0700) for one child run: the results file and the candidate's
/// fresh working directory.
private func makePrivateDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("layerkit-grade-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    return dir
}

/// The child's environment: nothing inherited but the library path, a home and temporary
/// directory in its fresh working directory, and the child marker.
private func scrubbedEnvironment(work: URL) -> [String: String] {
    var env = ["PATH": "/usr/bin:/bin", "HOME": work.path, "TMPDIR": work.path, "LANG": "C.UTF-8",
               "SWIFT_BACKTRACE": "enable=no",  // a crash report in milliseconds, not a backtrace in seconds
               "OPENBLAS_NUM_THREADS": "1", childEnvironmentKey: "1"]
    if let path = ProcessInfo.processInfo.environment["LD_LIBRARY_PATH"] { env["LD_LIBRARY_PATH"] = path }
    return env
}

func runChild(_ command: ChildCommand, request: ChildRequest, until deadline: Date) -> ChildRun {
    func failed(_ message: String) -> ChildRun {
        ChildRun(results: [], setupError: message, ending: .exited(-1), stdout: Data(), stderr: Data())
    }
    let dir: URL
    do { dir = try makePrivateDirectory() } catch { return failed("could not make a private directory: \(error)") }
    defer { try? FileManager.default.removeItem(at: dir) }
    let work = dir.appendingPathComponent("work"), resultsURL = dir.appendingPathComponent("results")
    do {
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: false)
        guard FileManager.default.createFile(atPath: resultsURL.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            return failed("could not create the results file")
        }
    } catch { return failed("could not make the working directory: \(error)") }
    var request = request
    request.resultsPath = resultsURL.path

    let process = Process()
    process.executableURL = command.executable
    process.arguments = command.arguments
    process.environment = scrubbedEnvironment(work: work)
    process.currentDirectoryURL = work
    let input = Pipe(), out = PipeCollector(), err = PipeCollector()
    process.standardInput = input
    process.standardOutput = out.pipe
    process.standardError = err.pipe
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    do { try process.run() } catch { return failed("could not start \(command.executable.path): \(error)") }
    if let json = try? JSONEncoder().encode(request) { try? input.fileHandleForWriting.write(contentsOf: json) }
    try? input.fileHandleForWriting.close()

    var timedOut = false
    if exited.wait(timeout: .now() + max(0, deadline.timeIntervalSinceNow)) == .timedOut {
        timedOut = true
        process.terminate()
        if exited.wait(timeout: .now() + 1) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
        }
    }
    let stdout = out.finish(), stderr = err.finish()
    var results: [(Int, CriterionResult)] = []
    var setupError: String?
    let decoder = JSONDecoder()
    for line in (try? Data(contentsOf: resultsURL))?.split(separator: UInt8(ascii: "\n")) ?? [] {
        guard let message = try? decoder.decode(ChildMessage.self, from: Data(line)),
              let payload = message.verified(with: request.key) else { continue }
        if let result = payload.result { results.append((payload.index, result)) }
        if let error = payload.setupError { setupError = error }
    }
    let ending: ChildEnding
    let status = process.terminationStatus
    if timedOut {
        ending = .timedOut
    } else if process.terminationReason == .exit {
        ending = .exited(status)
    } else if status == SIGXCPU {
        ending = .cpuLimit
    } else if request.memoryLimit != nil && looksOutOfMemory(stderr) {
        ending = .outOfMemory
    } else {
        ending = .crashed(signal: status, message: crashMessage(String(decoding: stderr, as: UTF8.self)))
    }
    return ChildRun(results: results, setupError: setupError, ending: ending, stdout: stdout, stderr: stderr)
}

/// Whether a crashed child's standard error ends with the runtime's allocation failure. Only
/// the wording of a failure depends on it: the child crashed either way.
private func looksOutOfMemory(_ stderr: Data) -> Bool {
    let text = String(decoding: stderr, as: UTF8.self).lowercased()
    return text.contains("failed to allocate") || text.contains("could not allocate memory") || text.contains("cannot allocate memory")
        || text.contains("bad_alloc") || text.contains("out of memory")
}

/// The useful line of a crashed child's standard error: Swift's `Fatal error: …` message
/// (LayerKit's ops name themselves and the shapes there), else the last line. It words the
/// failure only; the verdict (crashed) does not depend on it.
func crashMessage(_ stderr: String) -> String {
    let lines = stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    if let fatal = lines.last(where: { $0.contains("Fatal error: ") }),
       let range = fatal.range(of: "Fatal error: ") {
        return String(fatal[range.upperBound...].prefix(300))
    }
    return lines.last(where: { !$0.isEmpty }).map { String($0.prefix(300)) } ?? "no message on standard error"
}

/// What candidates printed, kept short for the report.
struct CapturedOutput {
    private var out = Data(), err = Data()

    mutating func append(stdout: Data, stderr: Data) {
        out += stdout
        err += stderr
    }

    /// At most a few lines of each stream, each cut to 160 characters; nil when nothing was printed.
    var text: String? {
        func excerpt(_ data: Data, _ label: String) -> [String] {
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .map(String.init).filter { !$0.isEmpty }
            guard !lines.isEmpty else { return [] }
            let shown = lines.prefix(maxOutputLines).map { $0.count > 160 ? String($0.prefix(160)) + "…" : $0 }
            let more = lines.count > maxOutputLines ? ["… \(lines.count - maxOutputLines) more line(s)"] : []
            return ["\(label):"] + shown.map { "  " + $0 } + more
        }
        let all = excerpt(out, "stdout") + excerpt(err, "stderr")
        return all.isEmpty ? nil : all.joined(separator: "\n")
    }
}

/// Lines of each stream shown in a report.
let maxOutputLines = 5
