import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How to start a candidate's child: the program, its arguments and environment, and the
/// files it needs to read (everything else of the machine stays out of its sight).
struct ChildCommand: Sendable {
    var executable: String
    var arguments: [String]
    var environment: [String: String]
    var readOnlyPaths: [String]

    /// The child's complete environment: nothing inherited from the grader, where tokens and
    /// course paths may live.
    static func environment(adding extra: [String: String] = [:]) -> [String: String] {
        var env = ["PATH": "/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
                   "SWIFT_BACKTRACE": "enable=no",  // a crash report in milliseconds, not a backtrace in seconds
                   "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"]
        env.merge(extra) { _, new in new }
        return env
    }

    /// This very program, serving the registered candidates (`LAYERKIT_GRADE_CHILD=1`).
    static var registeredCandidates: ChildCommand {
        let url = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).resolvingSymlinksInPath()
        return ChildCommand(executable: url.path, arguments: Array(CommandLine.arguments.dropFirst()),
                            environment: environment(adding: [registeredChildKey: "1"]),
                            readOnlyPaths: [url.path] + swiftRuntimeDirectories)
    }

    /// A compiled answer file's child executable.
    static func compiledAnswer(_ executable: URL) -> ChildCommand {
        ChildCommand(executable: executable.path, arguments: [], environment: environment(),
                     readOnlyPaths: [executable.path] + swiftRuntimeDirectories)
    }

    /// The sandbox's form of this command.
    func sandboxCommand(limits: SandboxLimits) -> SandboxCommand {
        SandboxCommand(executable: executable, arguments: arguments, environment: environment, readOnlyPaths: readOnlyPaths,
                       limits: limits)
    }
}

/// The environment variable that marks a process as a child serving registered candidates.
/// Its value carries nothing.
let registeredChildKey = "LAYERKIT_GRADE_CHILD"

/// True when this process was started by the grader as a child serving registered candidates.
var isGradingChild: Bool { ProcessInfo.processInfo.environment[registeredChildKey] != nil }

/// The folders of the Swift runtime this program loaded (a Swift child needs them in its
/// sandbox), found from where the runtime's own code lives.
let swiftRuntimeDirectories: [String] = {
    // Linux: the mapped libswiftCore.so names it. Elsewhere the runtime is the system's.
    guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8),
          let line = maps.split(separator: "\n").first(where: { $0.hasSuffix("/libswiftCore.so") }),
          let start = line.firstIndex(of: "/") else { return [] }
    let library = URL(fileURLWithPath: String(line[start...])).resolvingSymlinksInPath()
    let directory = library.deletingLastPathComponent().path
    return directory.hasPrefix("/usr/") || directory.hasPrefix("/lib") ? [] : [directory]
}()
