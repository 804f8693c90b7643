import Foundation
import LayerKitChild
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the candidate in a sandboxed child process and talks to it over the child's standard
/// input and output. Every read has a deadline and a cap; a reply that is not a well-formed
/// frame, a child that dies, or one that runs out of time ends that child (and everything it
/// started), and the next exchange starts a fresh one.
final class ChildProcessTransport: CandidateTransport {
    private let command: ChildCommand
    private let limits: GradingLimits
    private let isolation: Isolation
    private var process: SandboxedProcess?
    /// What the candidate printed over all its children, for the report (shown, never parsed).
    private(set) var printed = CapturedOutput()

    init(command: ChildCommand, limits: GradingLimits, isolation: Isolation) {
        self.command = command
        self.limits = limits
        self.isolation = isolation
    }

    func exchange(_ request: Frame<ChildRequest>, until deadline: ContinuousClock.Instant) throws -> Frame<ChildReply> {
        let bytes: Data
        do { bytes = try request.encoded() } catch { throw ChildFailure.malformed("the request cannot be encoded: \(error)") }
        let process = try running()
        do {
            try process.send(bytes, until: deadline)
            let length = try Frame<ChildReply>.bodyLength(try process.receive(exactly: 8, until: deadline), cap: FrameCap.reply)
            return try Frame<ChildReply>.decode(body: try process.receive(exactly: length, until: deadline))
        } catch let error as SandboxError {
            switch error {
            case .timedOut:
                // The CPU limit may have stopped it just before the wall clock did.
                let ended = ending(of: process, waiting: .zero)
                if case .cpuLimit = ended { throw ended }
                throw ChildFailure.timedOut
            case .endOfStream:
                throw ending(of: process, waiting: .seconds(5))
            default:
                end()
                throw ChildFailure.couldNotStart("\(error)")
            }
        } catch let error as FrameError {
            end()
            throw ChildFailure.malformed(error.description)
        }
    }

    /// The current child, started if there is none.
    private func running() throws -> SandboxedProcess {
        if let process { return process }
        do {
            let started = try SandboxedProcess.launch(command.sandboxCommand(limits: limits), isolation: isolation)
            process = started
            return started
        } catch {
            throw ChildFailure.couldNotStart("could not start the candidate's process: \(error)")
        }
    }

    /// How the child ended (waiting up to `wait` for it to exit by itself), once it is stopped.
    private func ending(of process: SandboxedProcess, waiting wait: Duration) -> ChildFailure {
        let termination = process.waitForExit(until: .now + wait) ?? process.stop()
        let stderr = process.output.kept
        end()
        switch termination {
        case .signaled(SIGXCPU): return .cpuLimit
        case .signaled(SIGXFSZ): return .fileSizeLimit
        case .signaled(let signal):
            return looksOutOfMemory(stderr) ? .outOfMemory : .crashed(signal: signal, message: crashMessage(String(decoding: stderr, as: UTF8.self)))
        case .exited(127) where String(decoding: stderr, as: UTF8.self).contains("error while loading shared libraries"):
            // The loader's status: nothing of the candidate ran.
            return .couldNotStart("the candidate's process could not start: \(crashMessage(String(decoding: stderr, as: UTF8.self)))")
        case .exited(let status):
            return looksOutOfMemory(stderr) ? .outOfMemory : .exited(status: status)
        }
    }

    /// Stops the current child and keeps what it printed.
    private func end() {
        guard let process else { return }
        process.stop()
        printed.append(process.output.kept, dropped: process.output.dropped)
        self.process = nil
    }

    func reset() { end() }
}

/// Whether a dead child's standard error ends with the runtime's allocation failure. Only the
/// wording of a failure depends on it: the child died either way.
private func looksOutOfMemory(_ stderr: Data) -> Bool {
    let text = String(decoding: stderr.suffix(4096), as: UTF8.self).lowercased()
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
        return escapedForTerminal(String(fatal[range.upperBound...].prefix(300)))
    }
    return lines.last(where: { !$0.isEmpty }).map { escapedForTerminal(String($0.prefix(300))) } ?? "no message on standard error"
}
