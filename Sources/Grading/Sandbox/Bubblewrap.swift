import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How `bwrap` runs on this machine, as the probe found it.
struct BubblewrapSetup: Sendable, Equatable {
    /// The `bwrap` executable.
    var path: String
    /// Whether it knows `--disable-userns` (0.8.0 and newer).
    var disablesUserNamespaces: Bool
    /// The account `bwrap` is started as (an unprivileged user namespace); nil: as the grader.
    /// Started as the learner, the sandbox's processes count against that uid's `RLIMIT_NPROC`;
    /// started as root they are root outside the namespace, where `RLIMIT_NPROC` does not apply.
    var account: LearnerAccount?
}

/// Finds whether bubblewrap can make a sandbox here, once per process.
enum BubblewrapProbe {
    /// What the probe found.
    enum Outcome: Sendable {
        case available(BubblewrapSetup)
        case unavailable(String)
    }

    /// The probe's finding; computed on first use (one sandbox running `true`, as the learner
    /// first when the grader is root, then as root; again without `--disable-userns` for a
    /// `bwrap` older than 0.8.0).
    static let result: Outcome = probe()

    /// What `bwrap --version` says (e.g. "bubblewrap 0.8.0"), for reports; asked once.
    static let version: String = {
        guard case .available(let setup) = result else { return "bubblewrap (not available)" }
        let run = runLimited(setup.path, ["--version"], environment: [:], limits: SandboxLimits(), timeout: .seconds(10),
                             outputCap: 4096)
        return run.termination == .exited(0) ? firstLine(run.output) : "bubblewrap"
    }()

    private static func probe() -> Outcome {
        #if os(Linux)
        guard let path = ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"].first(where: isExecutableFile) else {
            return .unavailable("bubblewrap is not installed: install it (apt-get install bubblewrap; .ci/install-deps and "
                + "Examples/Gradescope/setup.sh do), or, with the grader as root, use --isolation user")
        }
        guard let truePath = ["/usr/bin/true", "/bin/true"].first(where: isExecutableFile) else {
            return .unavailable("no /usr/bin/true to probe bubblewrap with")
        }
        var failures: [String] = []
        let accounts: [LearnerAccount?] = LearnerAccount.forRoot().map { [$0, nil] } ?? [nil]
        for account in accounts {
            for disables in [true, false] {
                let setup = BubblewrapSetup(path: path, disablesUserNamespaces: disables, account: account)
                let said = trySandbox(truePath, setup)
                guard let said else { return .available(setup) }
                if said.contains("--size") {
                    return .unavailable("this bubblewrap cannot limit the size of the sandbox's /tmp (0.7.0 and newer can): "
                        + "upgrade it, or, with the grader as root, use --isolation user")
                }
                // bwrap before 0.8.0 does not know --disable-userns: once more without it.
                if disables && said.contains("disable-userns") { continue }
                failures.append(said)
                break
            }
        }
        return .unavailable("bubblewrap cannot make its sandbox here (\(failures.first ?? "")): namespaces are refused, as "
            + "Docker's default seccomp profile does; use --isolation user, with the grader as root and the user made by "
            + "Examples/Gradescope/setup.sh")
        #else
        return .unavailable("bubblewrap needs Linux; use --isolation user (with the grader as root)")
        #endif
    }

    /// Runs `program` in a sandbox set up as `setup`: nil when it exits 0, else what went wrong.
    private static func trySandbox(_ program: String, _ setup: BubblewrapSetup) -> String? {
        let deadline = ContinuousClock.now + .seconds(10)
        do {
            let process = try SandboxedProcess.launch(SandboxCommand(executable: program), bubblewrap: setup, until: deadline)
            let ending = process.waitForExit(until: deadline)
            let said = String(decoding: process.output.kept, as: UTF8.self)
            process.stop()
            if ending == .exited(0) { return nil }
            return said.isEmpty ? (ending?.description ?? "no answer in 10 s") : firstLine(said)
        } catch {
            return "\(error)"
        }
    }

    /// `bwrap`'s command line for `command`: everything but the program's environment (given to
    /// `bwrap` through `--setenv`, so `bwrap` itself runs with an empty one).
    static func arguments(for command: SandboxCommand, environment: [String: String],
                          setup: BubblewrapSetup) throws -> [String] {
        var arguments = [setup.path,
                         "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session",
                         "--cap-drop", "ALL", "--uid", "65534", "--gid", "65534"]
        // No user namespace inside: one kernel attack surface less for learner code.
        if setup.disablesUserNamespaces { arguments.append("--disable-userns") }
        arguments += ["--clearenv"]
        for key in environment.keys.sorted() { arguments += ["--setenv", key, environment[key] ?? ""] }
        arguments += ["--proc", "/proc", "--dev", "/dev",
                      "--size", String(command.limits.temporaryBytes), "--tmpfs", "/tmp",
                      "--ro-bind", "/usr", "/usr"]
        // The top-level folders a dynamically linked program needs, as the host has them (merged
        // /usr: symlinks into /usr; otherwise folders).
        for top in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
            var info = stat()
            guard lstat(top, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFLNK, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: top) {
                arguments += ["--symlink", target, top]
            } else if info.st_mode & S_IFMT == S_IFDIR {
                arguments += ["--ro-bind", top, top]
            }
        }
        // The loader's cache, and the alternatives through which Debian resolves libblas.so.3 and
        // liblapack.so.3 (OpenBLAS): nothing else of /etc.
        for file in ["/etc/ld.so.cache", "/etc/alternatives"] where FileManager.default.fileExists(atPath: file) {
            arguments += ["--ro-bind", file, file]
        }
        for (source, destination) in try boundPaths(command) {
            arguments += ["--ro-bind", source, destination]
        }
        arguments += ["--chdir", "/tmp", command.executable] + command.arguments
        return arguments
    }

    /// The (host source, sandbox destination) pairs to bind read-only: each of `readOnlyPaths`
    /// and the program itself, unless already visible under /usr or under another of them;
    /// parents before children.
    private static func boundPaths(_ command: SandboxCommand) throws -> [(String, String)] {
        var pairs: [(String, String)] = []
        func covered(_ path: String) -> Bool {
            path == "/usr" || path.hasPrefix("/usr/") || pairs.contains { path == $0.1 || path.hasPrefix($0.1 + "/") }
        }
        let wanted = command.readOnlyPaths.sorted { $0.split(separator: "/").count < $1.split(separator: "/").count }
        for path in wanted + [command.executable] {
            guard path.hasPrefix("/") else { throw SandboxError.launchFailed("\(path) is not an absolute path") }
            guard let resolved = realPath(path) else {
                throw SandboxError.launchFailed("\(path) does not exist, so it cannot be shown to the child")
            }
            if covered(path) || covered(resolved) { continue }
            pairs.append((resolved, path))
        }
        return pairs
    }
}

/// Whether path is a file this process may execute.
func isExecutableFile(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
}

/// path with every symbolic link resolved, or nil when it does not exist.
func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// The first non-empty line of text, trimmed and cut to 200 characters, for one-line reasons.
func firstLine(_ text: String) -> String {
    let line = text.split(separator: "\n").first { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
    return String(line.trimmingCharacters(in: .whitespaces).prefix(200))
}
