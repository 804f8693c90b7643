import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a trusted tool (the compiler) under `limits`, in its own session, as the grader's uid,
/// and returns how it ended with its standard output and error merged. At the timeout
/// everything it started is killed (its process group, and on Linux every orphan) and the
/// termination is nil. The output keeps `outputCap` bytes; a note says how many more were
/// dropped. A program that cannot start is reported as `.exited(127)`, as a shell does, with
/// the reason as its output. `environment` nil passes the grader's own.
func runLimited(_ executable: String, _ arguments: [String], environment: [String: String]?, limits: SandboxLimits,
                timeout: Duration, outputCap: Int = 1 << 20) -> (termination: Termination?, output: String) {
    let deadline = ContinuousClock.now + timeout
    guard let path = resolveExecutable(executable, environment: environment) else {
        return (.exited(127), "could not start \(executable): no such executable")
    }
    let process: SandboxedProcess
    do {
        process = try SandboxedProcess.launchTool(path, arguments, environment: environment, limits: limits, until: deadline)
    } catch {
        return (.exited(127), "could not start \(executable): \(error)")
    }
    let collected = process.collectOutput(until: deadline, cap: outputCap)
    let termination = process.stop()
    var output = String(decoding: collected.kept, as: UTF8.self)
    if collected.dropped > 0 { output += "\n[… \(collected.dropped) more bytes of output not kept]" }
    return (collected.ended ? termination : nil, output)
}

/// `executable` when it is a path, else the first match in PATH (the given environment's, or
/// the grader's).
private func resolveExecutable(_ executable: String, environment: [String: String]?) -> String? {
    if executable.contains("/") { return isExecutableFile(executable) ? executable : nil }
    let path = environment?["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(executable)" }.first(where: isExecutableFile)
}
