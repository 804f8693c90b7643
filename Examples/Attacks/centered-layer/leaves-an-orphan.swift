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
    // One in the child's session, one in a session of its own; both keep the child's pipes.
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"),
                                               strdup("/bin/sleep 617.25 & /usr/bin/setsid /bin/sleep 617.25 &"), nil]
    var pid: pid_t = 0
    _ = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
}

final class Centered: Module {
    override init() {
        orphan()
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor { x - x.mean() }
}

let answer = Centered.init
