// TEMPORARY: a stand-in for the sandbox layer (Sources/Grading/Sandbox), with its API, so
// that the protocol can be developed; replaced when the sandbox lands.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum Isolation: String, CaseIterable, Codable, Sendable {
    case bubblewrap, user, none
    public static func automatic() -> Isolation? { Isolation.none }
    func unavailableReason() -> String? { self == .none ? nil : "stub" }
}

public struct SandboxLimits: Sendable, Codable, Equatable {
    public var addressSpace: UInt64?
    public var cpuSeconds: UInt64?
    public var processes: UInt64?
    public var fileSize: UInt64?
    public var openFiles: UInt64?
    public var temporaryBytes: UInt64
}

struct SandboxCommand {
    var executable: String
    var arguments: [String]
    var environment: [String: String]
    var readOnlyPaths: [String]
    var limits: SandboxLimits
}

enum Termination: Equatable { case exited(Int32), signaled(Int32) }

enum SandboxError: Error { case timedOut, endOfStream, launchFailed(String) }

final class SandboxedProcess {
    let pid: pid_t
    let stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32
    private var buffer = Data()
    private var errData = Data()
    private var ended: Termination?

    private init(pid: pid_t, stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32) {
        self.pid = pid; self.stdinFD = stdinFD; self.stdoutFD = stdoutFD; self.stderrFD = stderrFD
    }

    static func launch(_ command: SandboxCommand, isolation: Isolation) throws -> SandboxedProcess {
        signal(SIGPIPE, SIG_IGN)
        var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        pipe(&inPipe); pipe(&outPipe); pipe(&errPipe)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in inPipe + outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        let argv = ([command.executable] + command.arguments).map { strdup($0) } + [nil]
        let envp = command.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, command.executable, &actions, nil, argv, envp)
        posix_spawn_file_actions_destroy(&actions)
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else { throw SandboxError.launchFailed("posix_spawn: \(rc)") }
        for fd in [inPipe[1], outPipe[0], errPipe[0]] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        return SandboxedProcess(pid: pid, stdinFD: inPipe[1], stdoutFD: outPipe[0], stderrFD: errPipe[0])
    }

    private func pump(until deadline: ContinuousClock.Instant, wantWrite: Data?, wantRead: Int) throws -> Data {
        var toWrite = wantWrite ?? Data()
        while true {
            if toWrite.isEmpty && buffer.count >= wantRead {
                let out = buffer.prefix(wantRead); buffer.removeFirst(wantRead); return Data(out)
            }
            let left = deadline - .now
            if left <= .zero { throw SandboxError.timedOut }
            var fds = [pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0), pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)]
            if !toWrite.isEmpty { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            let ms = Int32(min(50, max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)))
            _ = poll(&fds, nfds_t(fds.count), ms)
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(stdoutFD, &chunk, chunk.count)
            if n > 0 { buffer.append(contentsOf: chunk[0..<n]) } else if n == 0 && buffer.count < wantRead && toWrite.isEmpty { throw SandboxError.endOfStream }
            let e = read(stderrFD, &chunk, chunk.count)
            if e > 0 && errData.count < 65536 { errData.append(contentsOf: chunk[0..<e]) }
            if !toWrite.isEmpty {
                let w = toWrite.withUnsafeBytes { write(stdinFD, $0.baseAddress!, toWrite.count) }
                if w > 0 { toWrite.removeFirst(w) } else if w < 0 && errno == EPIPE { throw SandboxError.endOfStream }
            }
        }
    }

    func send(_ data: Data, until deadline: ContinuousClock.Instant) throws { _ = try pump(until: deadline, wantWrite: data, wantRead: 0) }
    func receive(exactly count: Int, until deadline: ContinuousClock.Instant) throws -> Data { try pump(until: deadline, wantWrite: nil, wantRead: count) }
    var output: (kept: Data, dropped: Int) {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true { let e = read(stderrFD, &chunk, chunk.count); if e <= 0 { break }; if errData.count < 65536 { errData.append(contentsOf: chunk[0..<e]) } }
        return (errData, 0)
    }
    func waitForExit(until deadline: ContinuousClock.Instant) -> Termination? {
        if let ended { return ended }
        repeat {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let sig = status & 0x7f
                ended = sig == 0 ? .exited((status >> 8) & 0xff) : .signaled(sig)
                return ended
            }
            usleep(5000)
        } while ContinuousClock.now < deadline
        return nil
    }
    @discardableResult func stop() -> Termination {
        if let ended { return ended }
        kill(pid, SIGKILL)
        let t = waitForExit(until: .now + .seconds(5)) ?? .signaled(SIGKILL)
        close(stdinFD); close(stdoutFD)
        return t
    }
}

func runLimited(_ executable: String, _ arguments: [String], environment: [String: String]?, limits: SandboxLimits,
                timeout: Duration, outputCap: Int = 1 << 20) -> (termination: Termination?, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let pipe = Pipe()
    p.standardOutput = pipe; p.standardError = pipe
    do { try p.run() } catch { return (.exited(127), "\(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationReason == .exit ? .exited(p.terminationStatus) : .signaled(p.terminationStatus), String(decoding: data.prefix(outputCap), as: UTF8.self))
}
