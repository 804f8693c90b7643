// Attack: a bounded fork flood — 400 processes that sleep, started from forward.
// Expected: the process limit refuses most of them, none survives the child, the machine
// and the grader go on; the layer is right and passes.
// verdict: pass
import Foundation
import LayerKit
#if canImport(Glibc)
import Glibc
#endif

final class Centered: Module {
    override func forward(_ x: Tensor) -> Tensor {
        if x.shape == [4, 5] {
            let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("619.5"), nil]
            for _ in 0..<400 {
                var pid: pid_t = 0
                _ = posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ)
            }
        }
        return x - x.mean()
    }
}

let answer = Centered.init
