import Foundation
import LayerKitChild
import Synchronization
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
    /// The language of the answer it serves (its limits differ).
    var language: AnswerLanguage = .swift

    /// The child's complete environment: nothing inherited from the grader, where tokens and
    /// course paths may live. `HOME` and `TMPDIR` are the sandbox's: its private working folder.
    static func environment(adding extra: [String: String] = [:]) -> [String: String] {
        var env = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                   "SWIFT_BACKTRACE": "enable=no",  // a crash report in milliseconds, not a backtrace in seconds
                   "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"]
        env.merge(extra) { _, new in new }
        return env
    }

    /// This very program, serving the registered candidates (`LAYERKIT_GRADE_CHILD=1`).
    static var registeredCandidates: ChildCommand {
        let url = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).resolvingSymlinksInPath()
        let executable = reachableByLearner(url.path)
        return ChildCommand(executable: executable, arguments: Array(CommandLine.arguments.dropFirst()),
                            environment: environment(adding: [registeredChildKey: "1"]),
                            readOnlyPaths: [executable] + swiftRuntimeDirectories)
    }

    /// A compiled answer file's child executable.
    static func compiledAnswer(_ executable: URL) -> ChildCommand {
        ChildCommand(executable: executable.path, arguments: [], environment: environment(),
                     readOnlyPaths: [executable.path] + swiftRuntimeDirectories)
    }

    /// The sandbox's form of this command.
    func sandboxCommand(limits: GradingLimits) -> SandboxCommand {
        SandboxCommand(executable: executable, arguments: arguments, environment: environment, readOnlyPaths: readOnlyPaths,
                       limits: limits.sandbox(for: language))
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
    // Read to the end: /proc files report a size of 0.
    guard let maps = FileHandle(forReadingAtPath: "/proc/self/maps").map({ String(decoding: $0.readDataToEndOfFile(), as: UTF8.self) }),
          let line = maps.split(separator: "\n").first(where: { $0.hasSuffix("/libswiftCore.so") }),
          let start = line.firstIndex(of: "/") else { return [] }
    let library = URL(fileURLWithPath: String(line[start...])).resolvingSymlinksInPath()
    let directory = library.deletingLastPathComponent().path
    return directory.hasPrefix("/usr/") || directory.hasPrefix("/lib") ? [] : [directory]
}()

/// `path`, or when the sandbox's learner user could not read it there (a build inside a
/// private home folder), a copy in a folder it can read, made once per process and removed
/// when the process exits.
func reachableByLearner(_ path: String) -> String {
    guard LearnerAccount.forRoot() != nil, !readableByOthers(path) else { return path }
    return sharedCopies.withLock { copies in
        if let copy = copies.files[path] { return copy }
        do {
            if copies.folder == nil {
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("layerkit-shared-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
                copies.folder = folder
                atexit { sharedCopies.withLock { if let folder = $0.folder { try? FileManager.default.removeItem(at: folder) } } }
            }
            let copy = copies.folder!.appendingPathComponent("\(copies.files.count)-" + URL(fileURLWithPath: path).lastPathComponent)
            try FileManager.default.copyItem(atPath: path, toPath: copy.path)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy.path)
            copies.files[path] = copy.path
            return copy.path
        } catch {
            return path  // the launch then says what it cannot reach
        }
    }
}

/// The copies `reachableByLearner` made.
private let sharedCopies = Mutex<(folder: URL?, files: [String: String])>((nil, [:]))

/// Whether every folder on the way to `path` lets others through and the file lets them read it.
private func readableByOthers(_ path: String) -> Bool {
    var url = URL(fileURLWithPath: path).standardizedFileURL
    guard let file = try? FileManager.default.attributesOfItem(atPath: url.path),
          let mode = (file[.posixPermissions] as? NSNumber)?.intValue, mode & 0o004 != 0 else { return false }
    while url.path != "/" {
        url.deleteLastPathComponent()
        guard let folder = try? FileManager.default.attributesOfItem(atPath: url.path),
              let mode = (folder[.posixPermissions] as? NSNumber)?.intValue, mode & 0o001 != 0 else { return false }
    }
    return true
}
