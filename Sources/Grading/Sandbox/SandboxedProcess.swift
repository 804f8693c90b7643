import CSandbox
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process in the sandbox, talked to over its standard input and output.
///
/// Every call that waits takes a deadline and returns or throws by then; standard error is
/// read whenever the grader waits (so a chatty child never blocks on a full pipe) and kept up
/// to `SandboxCommand.outputCap`; standard output is read only as far as the grader asks for
/// it, plus at most 1 MiB while the grader writes or waits for the end.
///
/// The child runs under a keeper process (see `Sources/CSandbox`), which reports its end and,
/// on `stop()` or when the grader dies, kills everything it started: its process group, every
/// orphan (on Linux the keeper is their subreaper), and with the user isolation every process
/// of the learner's uid. Not for use from several threads at once.
final class SandboxedProcess {
    /// The isolation it runs under.
    let isolation: Isolation
    /// The child's pid (with bubblewrap, `bwrap`'s), which is also its process group and session.
    let pid: Int32
    /// The directory the child started in, as the child sees it.
    let workingDirectory: String

    private let keeper: pid_t
    private var inputFD: Int32
    private var outputFD: Int32
    private var errorFD: Int32
    private var statusFD: Int32
    private var controlFD: Int32
    private var stdoutBuffer: [UInt8] = []
    private var stdoutEnded = false
    private var errorKept = Data()
    private var errorDropped = 0
    private let errorCap: Int
    private var statusBytes: [UInt8] = []
    private var statusEnded = false
    private var ending: Termination?
    private var finalTermination: Termination?
    private let throughBubblewrap: Bool
    private var cleanup: Cleanup

    /// What stop() undoes besides the processes.
    private struct Cleanup {
        var scratch: SandboxScratch?
        var lock: LearnerLock?
        var sweep: LearnerAccount?   // the user isolation: kill and remove what this uid left
    }

    /// How much standard output is read ahead while the grader writes or waits for the end.
    static let stdoutBacklog = 1 << 20

    private init(isolation: Isolation, launched: lk_sandbox_process, workingDirectory: String, errorCap: Int,
                 throughBubblewrap: Bool, cleanup: Cleanup) {
        self.isolation = isolation
        self.pid = launched.child
        self.keeper = launched.keeper
        self.inputFD = launched.input
        self.outputFD = launched.output
        self.errorFD = launched.error
        self.statusFD = launched.status
        self.controlFD = launched.control
        self.workingDirectory = workingDirectory
        self.errorCap = max(0, errorCap)
        self.throughBubblewrap = throughBubblewrap
        self.cleanup = cleanup
    }

    deinit { stop() }

    // MARK: Launching

    /// Starts `command` under `isolation`. Throws `.unavailable` when the isolation cannot run
    /// here, `.launchFailed` (with the step and the system's reason) when the child cannot start;
    /// nothing is left running then. Waits until `deadline` at most (the user isolation waits
    /// for a previous learner child to stop).
    static func launch(_ command: SandboxCommand, isolation: Isolation,
                       until deadline: ContinuousClock.Instant = .now + .seconds(30)) throws -> SandboxedProcess {
        if let reason = isolation.unavailableReason() { throw SandboxError.unavailable(reason) }
        switch isolation {
        case .bubblewrap:
            guard case .available(let setup) = BubblewrapProbe.result else { throw SandboxError.unavailable("bubblewrap") }
            return try launch(command, bubblewrap: setup, until: deadline)
        case .user:
            guard let account = LearnerAccount.forRoot() else {
                throw SandboxError.unavailable(Isolation.user.unavailableReason() ?? "no learner account")
            }
            return try launchDirect(command, isolation: .user, account: account, until: deadline)
        case .none:
            return try launchDirect(command, isolation: .none, account: nil, until: deadline)
        }
    }

    /// Starts `command` in a bubblewrap sandbox set up as `setup` says (the probe calls this
    /// before the isolation is known to work).
    static func launch(_ command: SandboxCommand, bubblewrap setup: BubblewrapSetup,
                       until deadline: ContinuousClock.Instant) throws -> SandboxedProcess {
        try validate(command)
        var environment = command.environment
        environment["HOME"] = environment["HOME"] ?? "/tmp"
        environment["TMPDIR"] = environment["TMPDIR"] ?? "/tmp"
        let arguments = try BubblewrapProbe.arguments(for: command, environment: environment, setup: setup)
        // Children of the learner's uid must not overlap a user-isolation child (which kills
        // every process of that uid); bubblewrap children cannot see each other and share the lock.
        let lock = try setup.account.map { _ in try LearnerLock.acquire(exclusive: false, until: deadline) }
        let plan = LaunchPlan(path: setup.path, arguments: arguments, environment: [:], directory: "/", umask: 0o077,
                              account: setup.account, limits: command.limits, input: true, mergeError: false,
                              sweepUID: false, deathSignal: false)
        let launched: lk_sandbox_process
        do {
            launched = try plan.start(until: deadline)
        } catch {
            lock?.release()
            throw error
        }
        return SandboxedProcess(isolation: .bubblewrap, launched: launched, workingDirectory: "/tmp",
                                errorCap: command.outputCap, throughBubblewrap: true,
                                cleanup: Cleanup(scratch: nil, lock: lock, sweep: nil))
    }

    /// The user and none isolations: the program itself, with the limits, in a fresh working
    /// directory (owned by `account` when given, which the program then runs as).
    private static func launchDirect(_ command: SandboxCommand, isolation: Isolation, account: LearnerAccount?,
                                     until deadline: ContinuousClock.Instant) throws -> SandboxedProcess {
        try validate(command)
        var lock: LearnerLock?
        var scratch: SandboxScratch?
        do {
            if let account {
                lock = try LearnerLock.acquire(exclusive: true, until: deadline)
                // What a grader that died mid-run may have left of the uid.
                _ = lk_sandbox_kill_uid(account.uid, 5)
                removeLearnerLeftovers(account)
            }
            let made = try SandboxScratch.make(owner: account)
            scratch = made
            var environment = command.environment
            environment["HOME"] = environment["HOME"] ?? made.work
            environment["TMPDIR"] = environment["TMPDIR"] ?? made.work
            let plan = LaunchPlan(path: command.executable, arguments: [command.executable] + command.arguments,
                                  environment: environment, directory: made.work, umask: 0o077, account: account,
                                  limits: command.limits, input: true, mergeError: false, sweepUID: account != nil,
                                  deathSignal: true)
            let launched = try plan.start(until: deadline)
            return SandboxedProcess(isolation: isolation, launched: launched, workingDirectory: made.work,
                                    errorCap: command.outputCap, throughBubblewrap: false,
                                    cleanup: Cleanup(scratch: made, lock: lock, sweep: account))
        } catch {
            scratch?.remove()
            if let account { removeLearnerLeftovers(account) }
            lock?.release()
            throw error
        }
    }

    /// Starts a tool for `runLimited`: the grader's uid, its environment unless one is given,
    /// standard error into standard output, standard input from /dev/null.
    static func launchTool(_ executable: String, _ arguments: [String], environment: [String: String]?,
                           limits: SandboxLimits, until deadline: ContinuousClock.Instant) throws -> SandboxedProcess {
        let plan = LaunchPlan(path: executable, arguments: [executable] + arguments, environment: environment,
                              directory: nil, umask: nil, account: nil, limits: limits, input: false, mergeError: true,
                              sweepUID: false, deathSignal: true)
        let launched = try plan.start(until: deadline)
        return SandboxedProcess(isolation: .none, launched: launched, workingDirectory: FileManager.default.currentDirectoryPath,
                                errorCap: 0, throughBubblewrap: false, cleanup: Cleanup())
    }

    private static func validate(_ command: SandboxCommand) throws {
        guard command.executable.hasPrefix("/") else {
            throw SandboxError.launchFailed("\(command.executable) is not an absolute path")
        }
        guard isExecutableFile(command.executable) else {
            throw SandboxError.launchFailed("\(command.executable) is not an executable file")
        }
    }

    // MARK: Talking

    /// Writes all of `data` to the child's standard input by `deadline`. Throws `.timedOut`, or
    /// `.inputClosed` when the child no longer reads it (closed it, or ended).
    func send(_ data: Data, until deadline: ContinuousClock.Instant) throws {
        guard finalTermination == nil else { throw SandboxError.stopped }
        guard inputFD >= 0 else { throw SandboxError.inputClosed }
        let bytes = [UInt8](data)
        var offset = 0
        while offset < bytes.count {
            let left = millisecondsLeft(deadline)
            let writable = pollOnce(timeout: left, stdoutLimit: Self.stdoutBacklog, wantWrite: true)
            if writable {
                let count = min(bytes.count - offset, 1 << 16)
                let written = bytes.withUnsafeBufferPointer { write(inputFD, $0.baseAddress! + offset, count) }
                if written > 0 {
                    offset += written
                    continue
                }
                if written < 0 && (errno == EAGAIN || errno == EINTR) { continue }
                throw SandboxError.inputClosed   // EPIPE: nobody reads any more
            }
            if ending != nil { throw SandboxError.inputClosed }
            if left == 0 { throw SandboxError.timedOut }
        }
    }

    /// Closes the child's standard input, so that it reads end-of-file.
    func closeInput() {
        if inputFD >= 0 { close(inputFD) }
        inputFD = -1
    }

    /// Reads exactly `count` bytes of the child's standard output by `deadline` (`count` is the
    /// cap: nothing more is read). Throws `.timedOut`, or `.endOfStream` when the child closed
    /// its output or ended before sending them (a grandchild holding the pipe does not delay that).
    func receive(exactly count: Int, until deadline: ContinuousClock.Instant) throws -> Data {
        guard finalTermination == nil else { throw SandboxError.stopped }
        while true {
            if stdoutBuffer.count >= count {
                let taken = Data(stdoutBuffer.prefix(count))
                stdoutBuffer.removeFirst(count)
                return taken
            }
            if stdoutEnded { throw SandboxError.endOfStream }
            if ending != nil {
                // The child is gone: what it wrote is in the pipe already.
                let before = stdoutBuffer.count
                _ = pollOnce(timeout: 0, stdoutLimit: count, wantWrite: false)
                if stdoutBuffer.count == before && !stdoutEnded { throw SandboxError.endOfStream }
                continue
            }
            let left = millisecondsLeft(deadline)
            let before = stdoutBuffer.count
            _ = pollOnce(timeout: left, stdoutLimit: count, wantWrite: false)
            if left == 0 && stdoutBuffer.count == before && ending == nil { throw SandboxError.timedOut }
        }
    }

    /// Reads the child's standard output until it closes it or ends (then only what the pipe
    /// holds: a grandchild keeping it open does not delay that), at most `cap` bytes, by
    /// `deadline`. `complete` is false when the cap or the deadline came first.
    func receiveAll(upTo cap: Int, until deadline: ContinuousClock.Instant) -> (data: Data, complete: Bool) {
        var complete = false
        while stdoutBuffer.count < cap && finalTermination == nil {
            if stdoutEnded { complete = true; break }
            if ending != nil {
                let before = stdoutBuffer.count
                _ = pollOnce(timeout: 0, stdoutLimit: cap, wantWrite: false)
                if stdoutBuffer.count == before && !stdoutEnded { complete = true; break }
                continue
            }
            let left = millisecondsLeft(deadline)
            _ = pollOnce(timeout: left, stdoutLimit: cap, wantWrite: false)
            if left == 0 && ending == nil && !stdoutEnded { break }
        }
        let taken = Data(stdoutBuffer.prefix(cap))
        stdoutBuffer.removeFirst(taken.count)
        return (taken, complete)
    }

    /// The child's standard error so far: the first `outputCap` bytes, and how many more were
    /// read and dropped.
    var output: (kept: Data, dropped: Int) {
        drainError()
        return (errorKept, errorDropped)
    }

    /// Waits until `deadline` for the child to end; nil if it has not. Does not kill it.
    func waitForExit(until deadline: ContinuousClock.Instant) -> Termination? {
        while ending == nil && finalTermination == nil {
            let left = millisecondsLeft(deadline)
            _ = pollOnce(timeout: left, stdoutLimit: Self.stdoutBacklog, wantWrite: false)
            if left == 0 && ending == nil { return nil }
        }
        drainError()
        return finalTermination ?? ending.map(reported)
    }

    /// Kills everything the child started, reaps it and closes the descriptors; with the user
    /// isolation also every process of the learner's uid and the files it left in the shared
    /// temporary folders. Returns how the child ended (`.signaled(SIGKILL)` when this killed it).
    /// Idempotent; bounded (about 5 s at worst, when a process will not die).
    @discardableResult
    func stop() -> Termination {
        if let finalTermination { return finalTermination }
        closeInput()
        if controlFD >= 0 { close(controlFD) }
        controlFD = -1
        // The keeper kills, reaps and reports, then ends, which closes the status pipe.
        let deadline = ContinuousClock.now + .seconds(5)
        while !statusEnded {
            let left = millisecondsLeft(deadline)
            _ = pollOnce(timeout: left, stdoutLimit: stdoutBuffer.count, wantWrite: false)
            if left == 0 { break }
        }
        var keeperEnded = lk_sandbox_reap(keeper, 1000) == 1
        if !keeperEnded {
            kill(keeper, SIGKILL)
            keeperEnded = lk_sandbox_reap(keeper, 2000) == 1
        }
        drainError()
        for fd in [outputFD, errorFD, statusFD] where fd >= 0 { close(fd) }
        outputFD = -1
        errorFD = -1
        statusFD = -1
        if let account = cleanup.sweep {
            // The keeper swept already; again in case it was killed before it could.
            if !statusEnded || !keeperEnded { _ = lk_sandbox_kill_uid(account.uid, 20) }
            removeLearnerLeftovers(account)
        }
        cleanup.scratch?.remove()
        cleanup.lock?.release()
        cleanup = Cleanup()
        let result = ending.map(reported) ?? .signaled(SIGKILL)
        finalTermination = result
        return result
    }

    /// For `runLimited`: reads the merged output until the child ends (and then what is left in
    /// the pipe), keeping `cap` bytes and counting the rest; false when the deadline came first.
    func collectOutput(until deadline: ContinuousClock.Instant, cap: Int) -> (ended: Bool, kept: Data, dropped: Int) {
        var kept = Data(), dropped = 0
        func move() {
            let room = max(0, cap - kept.count)
            kept.append(contentsOf: stdoutBuffer.prefix(room))
            dropped += max(0, stdoutBuffer.count - room)
            stdoutBuffer.removeAll(keepingCapacity: true)
        }
        while ending == nil {
            let left = millisecondsLeft(deadline)
            _ = pollOnce(timeout: left, stdoutLimit: 1 << 16, wantWrite: false)
            move()
            if left == 0 && ending == nil { return (false, kept, dropped) }
        }
        // Ended: read what is in the pipe now, without waiting for processes it left behind.
        var rounds = 0
        while !stdoutEnded && rounds < 4096 {
            let before = dropped + kept.count
            _ = pollOnce(timeout: 0, stdoutLimit: 1 << 16, wantWrite: false)
            move()
            if dropped + kept.count == before { break }
            rounds += 1
        }
        return (true, kept, dropped)
    }

    // MARK: Internals

    /// bwrap reports a program killed by signal N as exit status 128 + N.
    private func reported(_ termination: Termination) -> Termination {
        if throughBubblewrap, case .exited(let code) = termination, code > 128, code < 128 + 65 {
            return .signaled(code - 128)
        }
        return termination
    }

    /// One poll of the child's descriptors for at most `timeout` ms, reading whatever is ready:
    /// standard output into the buffer up to `stdoutLimit` bytes, standard error into the kept
    /// output, the keeper's records. Returns whether standard input is writable.
    private func pollOnce(timeout: Int32, stdoutLimit: Int, wantWrite: Bool) -> Bool {
        var fds: [pollfd] = []
        let readable = Int16(POLLIN), writable = Int16(POLLOUT)
        if outputFD >= 0 && !stdoutEnded && stdoutBuffer.count < stdoutLimit { fds.append(pollfd(fd: outputFD, events: readable, revents: 0)) }
        if errorFD >= 0 { fds.append(pollfd(fd: errorFD, events: readable, revents: 0)) }
        if statusFD >= 0 && !statusEnded { fds.append(pollfd(fd: statusFD, events: readable, revents: 0)) }
        if wantWrite && inputFD >= 0 { fds.append(pollfd(fd: inputFD, events: writable, revents: 0)) }
        if fds.isEmpty {
            if timeout > 0 { usleep(UInt32(min(timeout, 10)) * 1000) }
            return false
        }
        let ready = poll(&fds, nfds_t(fds.count), timeout)
        guard ready > 0 else { return false }
        var inputWritable = false
        for entry in fds where entry.revents != 0 {
            switch entry.fd {
            case outputFD where outputFD >= 0: readStdout(limit: stdoutLimit)
            case errorFD where errorFD >= 0: readError()
            case statusFD where statusFD >= 0: readStatus()
            case inputFD where inputFD >= 0: inputWritable = true
            default: break
            }
        }
        return inputWritable
    }

    private func readStdout(limit: Int) {
        let room = min(max(0, limit - stdoutBuffer.count), 1 << 16)
        guard room > 0 else { return }
        var chunk = [UInt8](repeating: 0, count: room)
        let n = chunk.withUnsafeMutableBytes { read(outputFD, $0.baseAddress, room) }
        if n > 0 { stdoutBuffer.append(contentsOf: chunk.prefix(n)) }
        else if n == 0 || (errno != EAGAIN && errno != EINTR) { stdoutEnded = true }
    }

    /// Reads one chunk of standard error; false when nothing more is there now.
    @discardableResult
    private func readError() -> Bool {
        guard errorFD >= 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let n = chunk.withUnsafeMutableBytes { read(errorFD, $0.baseAddress, 1 << 16) }
        if n > 0 {
            let room = max(0, errorCap - errorKept.count)
            errorKept.append(contentsOf: chunk.prefix(min(room, n)))
            errorDropped += max(0, n - room)
            return true
        }
        if n == 0 || (errno != EAGAIN && errno != EINTR) {
            close(errorFD)
            errorFD = -1
        }
        return false
    }

    /// Reads what standard error holds now, without waiting (bounded, against a child that
    /// writes as fast as it is read).
    private func drainError() {
        var rounds = 0
        while rounds < 256 && readError() { rounds += 1 }
    }

    private func readStatus() {
        var chunk = [UInt8](repeating: 0, count: 64)
        let n = chunk.withUnsafeMutableBytes { read(statusFD, $0.baseAddress, 64) }
        if n > 0 {
            statusBytes += chunk.prefix(n)
            let size = MemoryLayout<lk_sandbox_record>.size
            while statusBytes.count >= size {
                let record = statusBytes.withUnsafeBytes { $0.loadUnaligned(as: lk_sandbox_record.self) }
                statusBytes.removeFirst(size)
                switch record.kind {
                case Int32(LK_SANDBOX_EXITED): ending = ending ?? .exited(record.value)
                case Int32(LK_SANDBOX_SIGNALED): ending = ending ?? .signaled(record.value)
                default: break
                }
            }
        } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
            statusEnded = true
            // The keeper is gone without a word on the child: it was killed, and its child with it.
            ending = ending ?? .signaled(SIGKILL)
        }
    }
}

/// Milliseconds until deadline, rounded up, 0 once it has passed.
func millisecondsLeft(_ deadline: ContinuousClock.Instant) -> Int32 {
    let left = ContinuousClock.now.duration(to: deadline)
    guard left > .zero else { return 0 }
    let (seconds, attoseconds) = left.components
    return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
}

/// Everything `lk_sandbox_launch` needs, in Swift terms.
private struct LaunchPlan {
    var path: String
    var arguments: [String]
    var environment: [String: String]?
    var directory: String?
    var umask: Int32?
    var account: LearnerAccount?
    var limits: SandboxLimits
    var input: Bool
    var mergeError: Bool
    var sweepUID: Bool
    var deathSignal: Bool

    func start(until deadline: ContinuousClock.Instant) throws -> lk_sandbox_process {
        lk_sandbox_ignore_sigpipe()
        let environmentLines = environment.map { values in values.keys.sorted().map { "\($0)=\(values[$0] ?? "")" } }
        for text in arguments + (environmentLines ?? []) + [path, directory ?? ""] where text.utf8.contains(0) {
            throw SandboxError.launchFailed("an argument or environment value holds a NUL byte")
        }
        if let environment, let bad = environment.keys.first(where: { $0.isEmpty || $0.contains("=") }) {
            throw SandboxError.launchFailed("\"\(bad)\" is not an environment variable name")
        }
        let strings = CStrings()
        var spec = lk_sandbox_spec()
        spec.path = UnsafePointer(strings.copy(path))
        spec.argv = UnsafePointer(strings.array(arguments))
        spec.envp = environmentLines.map { UnsafePointer(strings.array($0)) }
        spec.directory = directory.map { UnsafePointer(strings.copy($0)) }
        spec.umask = umask ?? -1
        if let account {
            spec.change_user = 1
            spec.uid = account.uid
            spec.gid = account.gid
        }
        spec.limits = cLimits(limits)
        spec.input = input ? 1 : 0
        spec.merge_error = mergeError ? 1 : 0
        spec.sweep_uid = sweepUID ? 1 : 0
        spec.death_signal = deathSignal ? 1 : 0
        spec.timeout_ms = max(1, millisecondsLeft(deadline))
        var launched = lk_sandbox_process()
        var message = [CChar](repeating: 0, count: 512)
        let code = withExtendedLifetime(strings) { lk_sandbox_launch(&spec, &launched, &message, message.count) }
        guard code == 0 else {
            let reason = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw SandboxError.launchFailed(reason.isEmpty ? errorText(code) : reason)
        }
        return launched
    }

    private func cLimits(_ limits: SandboxLimits) -> lk_sandbox_limits {
        var c = lk_sandbox_limits()
        if let value = limits.addressSpace { c.has_address_space = 1; c.address_space = value }
        if let value = limits.cpuSeconds { c.has_cpu_seconds = 1; c.cpu_seconds = value }
        if let value = limits.processes { c.has_processes = 1; c.processes = value }
        if let value = limits.fileSize { c.has_file_size = 1; c.file_size = value }
        if let value = limits.openFiles { c.has_open_files = 1; c.open_files = value }
        return c
    }
}

/// C strings that live as long as this object: for the launch's arguments.
private final class CStrings {
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private var arrays: [UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>] = []

    func copy(_ text: String) -> UnsafeMutablePointer<CChar> {
        let pointer = text.withCString { source -> UnsafeMutablePointer<CChar> in
            let length = strlen(source) + 1
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: length)
            copy.initialize(from: source, count: length)
            return copy
        }
        strings.append(pointer)
        return pointer
    }

    /// A NULL-terminated array of copies of texts.
    func array(_ texts: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: texts.count + 1)
        for (i, text) in texts.enumerated() { (array + i).initialize(to: copy(text)) }
        (array + texts.count).initialize(to: nil)
        arrays.append(array)
        return array
    }

    deinit {
        strings.forEach { $0.deallocate() }
        arrays.forEach { $0.deallocate() }
    }
}
