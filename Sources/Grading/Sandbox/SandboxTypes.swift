import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The resource limits a sandboxed child runs under, set before its first instruction.
///
/// `nil` leaves a limit as the grader has it. No limit is ever raised above the grader's own
/// hard limit, and core dumps are always off (`RLIMIT_CORE` 0). The defaults suit one grading
/// child: a Swift program with LayerKit, single-threaded BLAS, small tensors.
public struct SandboxLimits: Sendable, Codable, Equatable {
    /// Address space in bytes (`RLIMIT_AS`): an allocation beyond it fails at once instead of
    /// swapping the machine. Default 2 GiB.
    public var addressSpace: UInt64?
    /// CPU seconds (`RLIMIT_CPU`): the kernel sends SIGXCPU at this soft limit, SIGKILL a
    /// second later. Default 30.
    public var cpuSeconds: UInt64?
    /// Processes and threads of the child's uid (`RLIMIT_NPROC`). Threads count, and the
    /// count is per uid, shared by every child running as that uid at the same time; it is not
    /// enforced for uid 0, so it holds only where the child runs as the learner's uid. Default 128.
    public var processes: UInt64?
    /// The largest file the child may write, in bytes (`RLIMIT_FSIZE`; SIGXFSZ beyond). Default 64 MiB.
    public var fileSize: UInt64?
    /// Open descriptors (`RLIMIT_NOFILE`). Default 256.
    public var openFiles: UInt64?
    /// Size of the child's private `/tmp` in bytes, with the bubblewrap isolation (a tmpfs).
    /// The user isolation cannot enforce it: there `/tmp` is the host's, and only `fileSize`
    /// bounds each file the child writes. Default 64 MiB.
    public var temporaryBytes: UInt64

    /// Limits; every argument defaults to the value documented on its property.
    public init(addressSpace: UInt64? = 2 << 30, cpuSeconds: UInt64? = 30, processes: UInt64? = 128,
                fileSize: UInt64? = 64 << 20, openFiles: UInt64? = 256, temporaryBytes: UInt64 = 64 << 20) {
        self.addressSpace = addressSpace
        self.cpuSeconds = cpuSeconds
        self.processes = processes
        self.fileSize = fileSize
        self.openFiles = openFiles
        self.temporaryBytes = temporaryBytes
    }
}

/// What to run in the sandbox.
struct SandboxCommand: Sendable {
    /// The program, an absolute host path. With bubblewrap it is bound read-only at the same
    /// path when no entry of `readOnlyPaths` (nor `/usr`) already holds it.
    var executable: String
    /// Its arguments (without the program's name, which the sandbox passes as `argv[0]`).
    var arguments: [String]
    /// The child's complete environment: nothing of the grader's is inherited. `HOME` and
    /// `TMPDIR` are set to the child's working directory when absent.
    var environment: [String: String]
    /// Host files and directories the child may read. With bubblewrap each is bound read-only at
    /// the same path and nothing else of the host is visible but what a dynamically linked
    /// program needs. With the user isolation they must be readable by the learner's uid (the
    /// grader makes its own scratch files so); the rest of the host stays as visible as its
    /// permissions make it.
    var readOnlyPaths: [String]
    /// The limits.
    var limits: SandboxLimits
    /// How many bytes of the child's standard error are kept; the rest is read and counted.
    var outputCap: Int

    /// A command; `readOnlyPaths` empty, default limits and a 64 KiB output cap unless given.
    init(executable: String, arguments: [String] = [], environment: [String: String] = [:],
         readOnlyPaths: [String] = [], limits: SandboxLimits = SandboxLimits(), outputCap: Int = 64 << 10) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.readOnlyPaths = readOnlyPaths
        self.limits = limits
        self.outputCap = outputCap
    }
}

/// How a sandboxed child ended.
///
/// With bubblewrap the child's status comes through `bwrap`, which exits with 128 + N when the
/// program dies of signal N; that is reported as `.signaled(N)` (a program that itself exits
/// with 129…192 is indistinguishable from it).
enum Termination: Equatable, Sendable, CustomStringConvertible {
    /// The program called `exit` with this status.
    case exited(Int32)
    /// The program was ended by this signal.
    case signaled(Int32)

    var description: String {
        switch self {
        case .exited(let status): return "exited with status \(status)"
        case .signaled(let signal): return "ended by signal \(signal) (\(signalName(signal)))"
        }
    }
}

/// The usual name of a signal number, for messages.
func signalName(_ signal: Int32) -> String {
    let names: [Int32: String] = [
        SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
        SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV",
        SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ",
        SIGSYS: "SIGSYS", SIGUSR1: "SIGUSR1", SIGUSR2: "SIGUSR2",
    ]
    return names[signal] ?? "signal \(signal)"
}

/// Why a sandbox operation failed.
enum SandboxError: Error, Equatable, CustomStringConvertible {
    /// The isolation cannot run on this machine; the reason says what to do.
    case unavailable(String)
    /// The child could not be started; the reason names the step and the system's error.
    case launchFailed(String)
    /// The deadline passed before the operation completed.
    case timedOut
    /// The child closed its standard output, or ended, before sending the bytes asked for.
    case endOfStream
    /// The child no longer reads its standard input (it closed it, or ended).
    case inputClosed
    /// The process was already stopped.
    case stopped

    var description: String {
        switch self {
        case .unavailable(let reason): return "the sandbox is not available: \(reason)"
        case .launchFailed(let reason): return "the sandboxed child could not be started: \(reason)"
        case .timedOut: return "the sandboxed child did not answer before the deadline"
        case .endOfStream: return "the sandboxed child closed its output, or ended, before sending what was expected"
        case .inputClosed: return "the sandboxed child no longer reads its input"
        case .stopped: return "the sandboxed child was already stopped"
        }
    }
}
