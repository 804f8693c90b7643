import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a child process is kept away from the grader, the course's files and other submissions.
///
/// `Notes/sandbox.md` says what each level defends and what it does not.
public enum Isolation: String, CaseIterable, Codable, Sendable {
    /// Linux namespaces through `bwrap`: a new PID, network, IPC, UTS, cgroup, user and mount
    /// namespace, uid 65534 inside, only `/usr`, the loader's files and the paths asked for
    /// visible (read-only), a private size-limited `/tmp`.
    case bubblewrap
    /// The fallback where namespaces are refused (Docker's default seccomp profile, Gradescope):
    /// the child runs as the dedicated unprivileged user `layerkit-learner`, with the limits, in
    /// its own session and a fresh working directory; every process of that uid is killed when
    /// it stops. Needs the grader to run as root.
    case user
    /// Limits, its own session and the kill of what it started only: it does not protect the
    /// grader, the course's files or other submissions. Must be asked for by name.
    case none
}

extension Isolation {
    /// What `--isolation auto` picks on this machine: bubblewrap when a probe sandbox runs, else
    /// `.user` when the grader runs as root and the learner user exists, else nil (the caller
    /// stops with `noneAvailableReason()`). The probe runs once per process.
    public static func automatic() -> Isolation? {
        if Isolation.bubblewrap.unavailableReason() == nil { return .bubblewrap }
        if Isolation.user.unavailableReason() == nil { return .user }
        return nil
    }

    /// Why neither bubblewrap nor the user isolation can run here, in one line a course admin
    /// can act on.
    static func noneAvailableReason() -> String {
        let reasons = [Isolation.bubblewrap, .user].compactMap { isolation in
            isolation.unavailableReason().map { "\(isolation.rawValue): \($0)" }
        }
        return "no sandbox can run learner code here (" + reasons.joined(separator: "; ")
            + "); pass --isolation none only to grade trusted files, since it protects nothing"
    }

    /// Why this isolation cannot run here (nil when it can), in one line a course admin can act
    /// on: install bubblewrap, run `Examples/Gradescope/setup.sh` as root, or pass `--isolation none`.
    func unavailableReason() -> String? {
        switch self {
        case .bubblewrap:
            switch BubblewrapProbe.result {
            case .available: return nil
            case .unavailable(let reason): return reason
            }
        case .user:
            guard geteuid() == 0 else {
                return "the user isolation runs learner code as \(LearnerAccount.name), so the grader must run as root; "
                    + "install bubblewrap (apt-get install bubblewrap) or run the grader as root"
            }
            guard let account = LearnerAccount.lookup() else {
                return "there is no user \(LearnerAccount.name): create it as root with `\(LearnerAccount.creationCommand)` "
                    + "(Examples/Gradescope/setup.sh and .ci/install-deps do)"
            }
            guard account.uid != 0, account.gid != 0 else {
                return "the user \(LearnerAccount.name) has uid or gid 0: it must be an unprivileged user of its own"
            }
            return nil
        case .none:
            return nil
        }
    }

    /// One line for a report: which isolation ran and how.
    var summary: String {
        switch self {
        case .bubblewrap:
            if case .available(let setup) = BubblewrapProbe.result {
                let runner = setup.account.map { "bwrap started as \(LearnerAccount.name) (uid \($0.uid))" }
                    ?? (geteuid() == 0 ? "bwrap started as root" : "bwrap started as uid \(geteuid())")
                return "\(BubblewrapProbe.version): namespaces, uid 65534 inside, \(runner)"
            }
            return "bubblewrap (not available)"
        case .user:
            return "user: \(LearnerAccount.name) with limits, no namespaces"
        case .none:
            return "none: limits only, learner code unprotected"
        }
    }
}

/// The dedicated unprivileged user that learner code runs as when the grader is root.
struct LearnerAccount: Sendable, Equatable {
    /// Its name.
    static let name = "layerkit-learner"
    /// The command that creates it (as `Examples/Gradescope/setup.sh` and `.ci/install-deps` run it).
    static let creationCommand =
        "useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \(name)"

    /// Its uid.
    let uid: uid_t
    /// Its primary group.
    let gid: gid_t

    /// The account, when it exists.
    static func lookup() -> LearnerAccount? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        let status = getpwnam_r(name, &entry, &buffer, buffer.count, &result)
        guard status == 0, result != nil else { return nil }
        return LearnerAccount(uid: entry.pw_uid, gid: entry.pw_gid)
    }

    /// The account under which root runs learner code: nil unless the grader is root and the
    /// account exists and is unprivileged.
    static func forRoot() -> LearnerAccount? {
        guard geteuid() == 0, let account = lookup(), account.uid != 0, account.gid != 0 else { return nil }
        return account
    }
}
