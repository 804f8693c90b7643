// Attack: leave a process behind that outlives the child, in a session of its own and holding
// the child's output pipes, so that the grader waits for it forever.
// Expected: the grader neither hangs nor leaves it running; the layer is right and passes.
// verdict: pass
import Foundation
import LayerKit
#if canImport(Glibc)
import Glibc
#endif

func orphan() {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSID))
    var pid: pid_t = 0
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("617.25"), nil]
    _ = posix_spawn(&pid, "/bin/sleep", nil, &attributes, argv, environ)
}

final class Centered: Module {
    override init() {
        orphan()
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor { x - x.mean() }
}

let answer = Centered.init
