import CSandbox
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A lock on `/run/layerkit-learner.lock`, held while learner code runs as the learner's uid.
///
/// Processes of one uid can signal each other, and the user isolation ends by killing every
/// process of that uid; so a user-isolation child runs alone (exclusive lock, across every
/// grader on the machine), while bubblewrap children started as the learner, which cannot see
/// one another, share the lock among themselves. The file lives in a root-only folder, so
/// learner code cannot take the lock itself.
final class LearnerLock {
    private var descriptor: Int32

    /// The lock file: in /run (Linux) or /var/run, owned by root.
    static var path: String {
        FileManager.default.fileExists(atPath: "/run") ? "/run/layerkit-learner.lock" : "/var/run/layerkit-learner.lock"
    }

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// The gate taken briefly before the lock, so that a waiting exclusive taker is never
    /// starved by shared holders that keep overlapping: while it holds the gate, no new shared
    /// holder gets in.
    static var gatePath: String { path.replacingOccurrences(of: ".lock", with: ".gate") }

    /// Takes the lock, waiting until deadline at most.
    static func acquire(exclusive: Bool, until deadline: ContinuousClock.Instant) throws -> LearnerLock {
        let gate = try openLockFile(gatePath)
        defer { close(gate) }
        try wait(for: gate, gatePath, exclusive: true, until: deadline)
        let fd = try openLockFile(path)
        do {
            try wait(for: fd, path, exclusive: exclusive, until: deadline)
        } catch {
            close(fd)
            throw error
        }
        return LearnerLock(descriptor: fd)
    }

    private static func openLockFile(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SandboxError.launchFailed("cannot open \(path): \(errorText(errno))") }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_uid == 0, info.st_mode & S_IFMT == S_IFREG, info.st_mode & 0o022 == 0 else {
            close(fd)
            throw SandboxError.launchFailed("\(path) must be a file only root can write: remove it and try again")
        }
        return fd
    }

    private static func wait(for fd: Int32, _ path: String, exclusive: Bool, until deadline: ContinuousClock.Instant) throws {
        var pause: UInt32 = 1
        while flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw SandboxError.launchFailed("cannot lock \(path): \(errorText(errno))")
            }
            guard ContinuousClock.now < deadline else {
                throw SandboxError.launchFailed("another child runs as \(LearnerAccount.name) (\(path) stayed locked until the deadline)")
            }
            usleep(pause * 1000)
            pause = min(pause * 2, 20)
        }
    }

    /// Releases the lock (closing the file releases it); idempotent.
    func release() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    deinit { release() }
}

/// A child's private working directory: `root` (owned by the grader, mode 0711) holding `work`
/// (mode 0700, owned by the learner in the user isolation).
struct SandboxScratch {
    /// The grader-owned folder.
    var root: String
    /// The child's working directory.
    var work: String

    /// Makes one in the temporary folder; `owner` gets `work`.
    static func make(owner: LearnerAccount?) throws -> SandboxScratch {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array((base.hasSuffix("/") ? base : base + "/").utf8CString.dropLast()) + Array("layerkit-sandbox-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw SandboxError.launchFailed("cannot make a working directory in \(base): \(errorText(errno))")
        }
        let root = String(cString: made)
        let work = root + "/work"
        // 0711: the learner may pass through to its folder, never list or change the root.
        guard chmod(root, 0o711) == 0, mkdir(work, 0o700) == 0 else {
            let reason = errorText(errno)
            _ = lk_sandbox_remove_tree(root)
            throw SandboxError.launchFailed("cannot prepare \(root): \(reason)")
        }
        if let owner, chown(work, owner.uid, owner.gid) != 0 {
            let reason = errorText(errno)
            _ = lk_sandbox_remove_tree(root)
            throw SandboxError.launchFailed("cannot give \(work) to \(LearnerAccount.name): \(reason)")
        }
        return SandboxScratch(root: root, work: work)
    }

    /// Removes the folder and everything in it (without following links).
    func remove() { _ = lk_sandbox_remove_tree(root) }
}

/// Removes what the learner's uid left in the machine's shared temporary folders. Only the
/// entries directly inside them that the uid owns: a file it wrote inside a world-writable
/// folder that root made there stays (Notes/sandbox.md).
func removeLearnerLeftovers(_ account: LearnerAccount) {
    var folders = ["/tmp", "/var/tmp", "/dev/shm"]
    let temporary = FileManager.default.temporaryDirectory.path
    if !folders.contains(temporary) { folders.append(temporary) }
    for folder in folders { _ = lk_sandbox_remove_owned(folder, account.uid) }
}

/// The system's text for an errno value.
func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }
