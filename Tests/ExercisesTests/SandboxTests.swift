import Foundation
import Testing
@testable import Grading
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The sandbox that runs learner code (Sources/Grading/Sandbox, Notes/sandbox.md), tried with
/// small shell one-liners as hostile children under each isolation this machine has. An
/// isolation that cannot run here is skipped with its reason. Deadlines are generous and no
/// assertion is about time: a test that would hang fails at its deadline instead.
@Suite("Sandbox", .disabled(if: underAddressSanitizer, childSuitesSkipUnderASan))
struct SandboxTests {
    // MARK: Limits and visibility

    @Test("limits are in force before the child's first instruction", arguments: Isolation.allCases)
    func limitsBeforeFirstInstruction(_ isolation: Isolation) throws {
        try requireAvailable(isolation)
        #if os(Linux)
        let limits = SandboxLimits(addressSpace: 1 << 30, cpuSeconds: 7, processes: 77, fileSize: 3 << 20,
                                   openFiles: 99, temporaryBytes: 8 << 20)
        // cat is the child itself (exec'd directly, or by bwrap): what it reads is what it started with.
        let command = SandboxCommand(executable: "/bin/cat", arguments: ["/proc/self/limits"], environment: basicEnvironment,
                                     limits: limits)
        let run = try runToEnd(command, isolation)
        #expect(run.termination == .exited(0), "\(run.stderr)")
        let table = limitTable(run.stdout)
        #expect(table["Max cpu time"] == ["7", "8"])
        #expect(table["Max processes"] == ["77", "77"])
        #expect(table["Max open files"] == ["99", "99"])
        #expect(table["Max file size"] == ["\(3 << 20)", "\(3 << 20)"])
        #expect(table["Max address space"] == ["\(1 << 30)", "\(1 << 30)"])
        #expect(table["Max core file size"] == ["0", "0"])
        #endif
        let mask = try runToEnd(shell("umask"), isolation)
        #expect(mask.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0077")
    }

    @Test("the child cannot see the repository, root's home or a folder the test made", arguments: Isolation.allCases)
    func hostFilesHidden(_ isolation: Isolation) throws {
        try requireAvailable(isolation)
        if isolation == .none { try Test.cancel("the none isolation hides nothing (Notes/sandbox.md): nothing to check") }
        let folder = try TemporaryFolder(mode: 0o700)
        defer { folder.remove() }
        try Data("secret".utf8).write(to: URL(fileURLWithPath: folder.path + "/secret"))
        let shared = try TemporaryFolder(mode: 0o755)
        defer { shared.remove() }
        try Data("shown".utf8).write(to: URL(fileURLWithPath: shared.path + "/shown"))
        chmod(shared.path + "/shown", 0o644)

        // The user isolation leaves world-readable files readable (documented): there only what
        // the permissions close is checked.
        var hidden = ["/root", folder.path, folder.path + "/secret"]
        if isolation == .bubblewrap { hidden += ["/work", "/etc/passwd", "/home"] }
        var probe = hidden.map { "if ls \"\($0)\" >/dev/null 2>&1 || cat \"\($0)\" >/dev/null 2>&1; then echo \"visible \($0)\"; fi" }
            .joined(separator: "; ")
        if isolation == .bubblewrap, case .available(let setup) = BubblewrapProbe.result, setup.disablesUserNamespaces {
            probe += "; unshare -U true 2>/dev/null && echo 'made a user namespace'"
        }
        let script = probe + "; cat \"\(shared.path)/shown\"; echo; echo changed > \"\(shared.path)/shown\" 2>/dev/null && echo writable"
        let run = try runToEnd(shell(script, readOnly: [shared.path]), isolation)
        #expect(run.stdout == "shown\n", "the child saw or changed what it should not: \(run.stdout)")
        #expect(String(decoding: FileManager.default.contents(atPath: shared.path + "/shown") ?? Data(), as: UTF8.self) == "shown")
    }

    @Test("a program outside /usr runs, its folder's other files hidden under bubblewrap", arguments: Isolation.allCases)
    func programOutsideUsr(_ isolation: Isolation) throws {
        try requireAvailable(isolation)
        let folder = try TemporaryFolder(mode: 0o755)
        defer { folder.remove() }
        let program = folder.path + "/program"
        try Data("#!/bin/sh\nls \"$(dirname \"$0\")\"\n".utf8).write(to: URL(fileURLWithPath: program))
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder.path + "/sibling.swift"))
        chmod(program, 0o755)
        let run = try runToEnd(SandboxCommand(executable: program, environment: basicEnvironment), isolation)
        #expect(run.termination == .exited(0), "\(run.stderr)")
        let listed = Set(run.stdout.split(separator: "\n").map(String.init))
        #expect(listed.contains("program"))
        #expect(listed.contains("sibling.swift") == (isolation != .bubblewrap))
    }

    // MARK: The grader survives

    @Test("the child cannot signal the grader, and the next child still runs", arguments: Isolation.allCases)
    func cannotSignalGrader(_ isolation: Isolation) throws {
        try requireAvailable(isolation)
        if isolation == .none {
            try Test.cancel("the none isolation runs the child as the grader's uid, which may signal the grader (documented); not tried")
        }
        let me = getpid()
        let script = "kill -KILL $PPID; kill -STOP $PPID; kill -KILL \(me); kill -STOP \(me); kill -TERM \(me); kill -9 -1; echo tried"
        let run = try runToEnd(shell(script), isolation)
        #expect(run.stdout.contains("tried") || run.termination == .signaled(SIGKILL))
        #expect(kill(me, 0) == 0)
        let next = try runToEnd(shell("echo next"), isolation)
        #expect(next.stdout == "next\n")
        #expect(next.termination == .exited(0))
    }

    @Test("orphans neither hang receive nor stop, nor survive stop", arguments: Isolation.allCases)
    func orphansAreKilled(_ isolation: Isolation) throws {
        try requireAvailable(isolation)
        let marker = sleepMarker()
        // The child exits at once, leaving a background sleep (holding its pipes), one in a new
        // session, and one two forks deep.
        let script = "sleep \(marker) & setsid sleep \(marker) & (sleep \(marker) &) ; echo ready"
        let process = try SandboxedProcess.launch(shell(script), isolation: isolation, until: soon())
        defer { process.stop() }
        #expect(try process.receive(exactly: 6, until: soon()) == Data("ready\n".utf8))
        #expect(throws: SandboxError.endOfStream) { try process.receive(exactly: 1, until: soon()) }
        #expect(process.waitForExit(until: soon()) == .exited(0))
        process.stop()
        #expect(waitUntilGone(marker).isEmpty, "processes with \(marker) outlived stop()")

        // The same with the child still running when it is stopped.
        let second = sleepMarker()
        let running = try SandboxedProcess.launch(shell("sleep \(second) & setsid sleep \(second) & echo ready; sleep \(second)"),
                                                  isolation: isolation, until: soon())
        #expect(try running.receive(exactly: 6, until: soon()) == Data("ready\n".utf8))
        #expect(running.stop() == .signaled(SIGKILL))
        #expect(running.stop() == .signaled(SIGKILL))   // idempotent
        #expect(waitUntilGone(second).isEmpty, "processes with \(second) outlived stop()")
    }

    @Test("a fork flood is refused past the process limit and cleaned up", arguments: Isolation.allCases)
    func forkFlood(_ isolation: Isolation) throws {
        try requireAvailable(isolation)
        let marker = sleepMarker()
        let limits = SandboxLimits(processes: 40)
        // The flood runs in a subshell (a shell gives up at its first refused fork); the outer
        // shell stays until stopped, since under bubblewrap its end would end the namespace, and
        // the sleeps with it, before they are counted.
        let script = "(i=0; while [ $i -lt 300 ]; do sleep \(marker) & i=$((i+1)); done) 2>/dev/null; echo spawned; exec sleep \(marker)"
        let process = try SandboxedProcess.launch(shell(script, limits: limits), isolation: isolation, until: soon())
        #expect(try process.receive(exactly: 8, until: soon()) == Data("spawned\n".utf8))
        let running = processes(withArgument: marker).count
        #expect(running > 0, "the flood never started")
        // RLIMIT_NPROC binds only a non-root uid: the learner's (user isolation, or bwrap started
        // as the learner). As root the flood is bounded by the test and contained by stop().
        if runsAsUnprivilegedUID(isolation) {
            #expect(running < 40, "\(running) sleeps ran under a limit of 40 processes")
        }
        process.stop()
        #expect(waitUntilGone(marker).isEmpty, "sleeps of the flood outlived stop()")
    }

    @Test("a disk fill stops at the private /tmp's size (bubblewrap) or is removed at stop (user)", arguments: Isolation.allCases)
    func diskFill(_ isolation: Isolation) throws {
        try requireAvailable(isolation)
        if isolation == .none { try Test.cancel("the none isolation neither bounds nor cleans what the child writes (documented)") }
        let name = "/tmp/layerkit-fill-\(UInt32.random(in: 0 ... .max))"
        let limits = SandboxLimits(fileSize: 512 << 20, temporaryBytes: 16 << 20)
        let script = "head -c 209715200 /dev/zero > \(name) 2>/dev/null; echo \"status $?\"; wc -c < \(name)"
        let process = try SandboxedProcess.launch(shell(script, limits: limits), isolation: isolation, until: soon())
        let output = process.receiveAll(upTo: 4096, until: soon())
        let lines = String(decoding: output.data, as: UTF8.self).split(separator: "\n")
        let written = lines.last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? -1
        switch isolation {
        case .bubblewrap:
            #expect(lines.first != "status 0", "writing 200 MB into a 16 MiB /tmp succeeded")
            #expect(written >= 0 && written <= 16 << 20, "\(written) bytes landed in a 16 MiB /tmp")
            #expect(!FileManager.default.fileExists(atPath: name), "the sandbox's /tmp is the host's")
        case .user:
            #expect(written == 209_715_200, "\(lines)")
            process.stop()
            #expect(!FileManager.default.fileExists(atPath: name), "the learner's file survived stop()")
            #expect(!FileManager.default.fileExists(atPath: process.workingDirectory))
        case .none:
            break
        }
        process.stop()
    }

    @Test("a 50 MB flood on stdout or stderr is capped and never blocks the grader", arguments: Isolation.allCases)
    func outputFlood(_ isolation: Isolation) throws {
        try requireAvailable(isolation)
        let size = 50 << 20
        // Standard error is drained while the grader waits for standard output.
        // (One child at a time: the user isolation runs one learner child on the machine at once.)
        let chatty = try SandboxedProcess.launch(shell("head -c \(size) /dev/zero >&2; printf x"), isolation: isolation,
                                                 until: soon())
        #expect(try chatty.receive(exactly: 1, until: soon()) == Data("x".utf8))
        #expect(chatty.waitForExit(until: soon()) == .exited(0))
        let captured = chatty.output
        chatty.stop()
        #expect(captured.kept.count == 64 << 10)
        #expect(captured.kept.count + captured.dropped == size)

        // Standard output is read only as far as asked: the rest stays with the child, which
        // stop() then kills.
        let flood = try SandboxedProcess.launch(shell("head -c \(size) /dev/zero; echo"), isolation: isolation, until: soon())
        #expect(try flood.receive(exactly: 4096, until: soon()).count == 4096)
        #expect(flood.waitForExit(until: .now + .milliseconds(200)) == nil)
        #expect(flood.stop() == .signaled(SIGKILL))
    }

    // MARK: Deadlines and endings

    @Test("receive past its deadline throws timedOut", arguments: Isolation.allCases)
    func receiveTimesOut(_ isolation: Isolation) throws {
        try requireAvailable(isolation)
        let process = try SandboxedProcess.launch(shell("exec sleep 60"), isolation: isolation, until: soon())
        #expect(throws: SandboxError.timedOut) { try process.receive(exactly: 1, until: .now + .milliseconds(300)) }
        #expect(process.waitForExit(until: .now + .milliseconds(100)) == nil)
        #expect(process.stop() == .signaled(SIGKILL))
        #expect(throws: SandboxError.stopped) { try process.receive(exactly: 1, until: soon()) }
    }

    @Test("send writes all bytes, and a child that closed its input makes send throw inputClosed", arguments: Isolation.allCases)
    func sendAndInputClosed(_ isolation: Isolation) throws {
        try requireAvailable(isolation)
        let payload = Data((0 ..< (3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        // wc answers only once the whole payload arrived and the input was closed.
        let counter = try SandboxedProcess.launch(shell("wc -c"), isolation: isolation, until: soon())
        try counter.send(payload, until: soon())
        counter.closeInput()
        let answer = counter.receiveAll(upTo: 100, until: soon())
        counter.stop()
        #expect(String(decoding: answer.data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "\(payload.count)")

        let deaf = try SandboxedProcess.launch(shell("exec 0<&-; exit 0"), isolation: isolation, until: soon())
        defer { deaf.stop() }
        #expect(deaf.waitForExit(until: soon()) == .exited(0))
        #expect(throws: SandboxError.inputClosed) { try deaf.send(payload, until: soon()) }
    }

    @Test("exit statuses and signals are reported as such", arguments: Isolation.allCases)
    func endings(_ isolation: Isolation) throws {
        try requireAvailable(isolation)
        #expect(try runToEnd(shell("exit 3"), isolation).termination == .exited(3))
        #expect(try runToEnd(shell("kill -SEGV $$"), isolation).termination == .signaled(SIGSEGV))
        // The shell itself spins and itself writes the file: the signals end the child, not a grandchild.
        #expect(try runToEnd(shell("while :; do :; done", limits: SandboxLimits(cpuSeconds: 1)), isolation).termination
            == .signaled(SIGXCPU))
        #expect(try runToEnd(shell("exec head -c 2000000 /dev/zero > ./big", limits: SandboxLimits(fileSize: 1 << 20)),
                             isolation).termination == .signaled(SIGXFSZ))
    }

    @Test("a missing program, or one the learner may not run, fails the launch with the reason", arguments: Isolation.allCases)
    func launchFailures(_ isolation: Isolation) throws {
        try requireAvailable(isolation)
        #expect(throws: SandboxError.self) {
            try SandboxedProcess.launch(SandboxCommand(executable: "/nonexistent/program"), isolation: isolation, until: soon())
        }
        if isolation == .user {
            let folder = try TemporaryFolder(mode: 0o700)
            defer { folder.remove() }
            let program = folder.path + "/program"
            try Data("#!/bin/sh\necho ran\n".utf8).write(to: URL(fileURLWithPath: program))
            chmod(program, 0o700)
            do {
                let process = try SandboxedProcess.launch(SandboxCommand(executable: program), isolation: .user, until: soon())
                process.stop()
                Issue.record("the learner ran a program in a folder closed to it")
            } catch let error as SandboxError {
                guard case .launchFailed(let reason) = error else { Issue.record("\(error)"); return }
                #expect(reason.contains("execve") && reason.contains("Permission denied"), "\(reason)")
            }
        }
    }

    @Test("runLimited reports the status and capped output, and kills the tool's group at its timeout")
    func runLimitedTool() throws {
        let plain = runLimited("/bin/sh", ["-c", "echo out; echo err >&2; exit 4"], environment: nil, limits: SandboxLimits(),
                               timeout: .seconds(30))
        #expect(plain.termination == .exited(4))
        #expect(plain.output == "out\nerr\n")

        let chatty = runLimited("/bin/sh", ["-c", "head -c 3000000 /dev/zero | tr '\\0' a"], environment: ["PATH": "/usr/bin:/bin"],
                                limits: SandboxLimits(), timeout: .seconds(30), outputCap: 1000)
        #expect(chatty.termination == .exited(0))
        #expect(chatty.output.hasPrefix(String(repeating: "a", count: 1000) + "\n[… 2999000 more bytes"))

        let marker = sleepMarker()
        let hung = runLimited("/bin/sh", ["-c", "sleep \(marker) & sleep \(marker)"], environment: nil, limits: SandboxLimits(),
                              timeout: .milliseconds(500))
        #expect(hung.termination == nil)
        #expect(waitUntilGone(marker).isEmpty, "the tool's processes outlived its timeout")

        let missing = runLimited("/nonexistent/tool", [], environment: nil, limits: SandboxLimits(), timeout: .seconds(5))
        #expect(missing.termination == .exited(127))
    }

    @Test("automatic isolation is bubblewrap or user when available, and an unavailable one says what to do")
    func automaticIsolation() {
        #expect(Isolation.none.unavailableReason() == nil)
        if let chosen = Isolation.automatic() {
            #expect(chosen != .none)
            #expect(chosen.unavailableReason() == nil)
            #expect(!chosen.summary.isEmpty)
        } else {
            #expect(Isolation.noneAvailableReason().contains("--isolation none"))
        }
        for isolation in Isolation.allCases {
            if let reason = isolation.unavailableReason() { #expect(!reason.isEmpty && !reason.contains("\n")) }
        }
    }

    /// Not a check: the median cost of one child running /bin/true under each isolation, printed
    /// for Notes/sandbox.md. Runs only with LAYERKIT_SANDBOX_BENCH=1.
    @Test("launch overhead (LAYERKIT_SANDBOX_BENCH=1)", .enabled(if: ProcessInfo.processInfo.environment["LAYERKIT_SANDBOX_BENCH"] != nil),
          arguments: Isolation.allCases)
    func launchOverhead(_ isolation: Isolation) throws {
        try requireAvailable(isolation)
        let wanted = ProcessInfo.processInfo.environment["LAYERKIT_SANDBOX_BENCH"] ?? ""
        if wanted != "1" && wanted != isolation.rawValue { try Test.cancel("LAYERKIT_SANDBOX_BENCH=\(wanted)") }
        func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        var phases: [[Double]] = [[], [], [], []]
        for _ in 0 ..< 21 {
            let start = ContinuousClock.now
            let process = try SandboxedProcess.launch(SandboxCommand(executable: "/bin/true"), isolation: isolation, until: soon())
            let launched = ContinuousClock.now
            _ = process.waitForExit(until: soon())
            let exited = ContinuousClock.now
            process.stop()
            let stopped = ContinuousClock.now
            phases[0].append(ms(start.duration(to: launched)))
            phases[1].append(ms(launched.duration(to: exited)))
            phases[2].append(ms(exited.duration(to: stopped)))
            phases[3].append(ms(start.duration(to: stopped)))
        }
        let medians = phases.map { $0.sorted()[$0.count / 2] }
        print(String(format: "sandbox /bin/true, %@: median %.1f ms in all (launch %.1f, run to exit %.1f, stop %.1f; n=21)",
                     isolation.rawValue, medians[3], medians[0], medians[1], medians[2]))
    }
}

// MARK: Helpers

private let basicEnvironment = ["PATH": "/usr/bin:/bin", "LANG": "C"]

/// Skips (cancels) the current test case when isolation cannot run on this machine.
private func requireAvailable(_ isolation: Isolation) throws {
    if let reason = isolation.unavailableReason() {
        // The console reporter does not show a test case's cancellation comment; say it here too.
        FileHandle.standardError.write(Data("SandboxTests: skipping the \(isolation.rawValue) isolation: \(reason)\n".utf8))
        try Test.cancel("the \(isolation.rawValue) isolation is not available here: \(reason)")
    }
}

/// A deadline far enough that only a hang reaches it.
private func soon() -> ContinuousClock.Instant { .now + .seconds(30) }

private func shell(_ script: String, limits: SandboxLimits = SandboxLimits(), readOnly: [String] = []) -> SandboxCommand {
    SandboxCommand(executable: "/bin/sh", arguments: ["-c", script], environment: basicEnvironment, readOnlyPaths: readOnly,
                   limits: limits)
}

/// Runs command to its end: what it printed on each stream and how it ended.
private func runToEnd(_ command: SandboxCommand, _ isolation: Isolation) throws
    -> (termination: Termination?, stdout: String, stderr: String) {
    let process = try SandboxedProcess.launch(command, isolation: isolation, until: soon())
    defer { process.stop() }
    process.closeInput()
    let out = process.receiveAll(upTo: 1 << 20, until: soon())
    let termination = process.waitForExit(until: soon())
    return (termination, String(decoding: out.data, as: UTF8.self), String(decoding: process.output.kept, as: UTF8.self))
}

/// A `sleep` duration that marks the processes of one test in /proc (sleep takes fractions).
private func sleepMarker() -> String { "1000.\(UInt32.random(in: 100_000_000 ... 999_999_999))" }

/// Whether the child's processes run as an unprivileged uid, where RLIMIT_NPROC applies.
private func runsAsUnprivilegedUID(_ isolation: Isolation) -> Bool {
    switch isolation {
    case .user: return true
    case .bubblewrap:
        if case .available(let setup) = BubblewrapProbe.result { return setup.account != nil || geteuid() != 0 }
        return false
    case .none: return geteuid() != 0
    }
}

/// The pids of live processes (zombies have no command line) with marker among their arguments.
private func processes(withArgument marker: String) -> [Int32] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return entries.compactMap { Int32($0) }.filter { pid in
        let fd = open("/proc/\(pid)/cmdline", O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
        guard n > 0 else { return false }
        return bytes.prefix(n).split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == marker }
    }
}

/// Waits (up to 15 s) until no process carries marker; returns those still there.
private func waitUntilGone(_ marker: String) -> [Int32] {
    let deadline = ContinuousClock.now + .seconds(15)
    var left = processes(withArgument: marker)
    while !left.isEmpty && ContinuousClock.now < deadline {
        usleep(50_000)
        left = processes(withArgument: marker)
    }
    for pid in left { kill(pid, SIGKILL) }   // tidy up after a failure
    return left
}

/// /proc/self/limits as "Max cpu time" → [soft, hard].
private func limitTable(_ text: String) -> [String: [String]] {
    var table: [String: [String]] = [:]
    for line in text.split(separator: "\n").dropFirst() {
        let name = String(line.prefix(26)).trimmingCharacters(in: .whitespaces)
        let values = line.dropFirst(26).split(separator: " ").prefix(2).map(String.init)
        table[name] = values
    }
    return table
}

/// A folder of the test's own, with the given mode, removed by remove().
private struct TemporaryFolder {
    let path: String

    init(mode: mode_t) throws {
        path = FileManager.default.temporaryDirectory.path + "/layerkit-sandbox-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        chmod(path, mode)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
