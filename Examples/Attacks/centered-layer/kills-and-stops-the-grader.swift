// Attack: kill or stop the grader (its parent), and every process it can signal.
// Expected: nothing outside the sandbox can be signalled; the layer is right, so it passes,
// and the submissions after it are graded.
// verdict: pass
import Foundation
import LayerKit
#if canImport(Glibc)
import Glibc
#endif

final class Centered: Module {
    override func forward(_ x: Tensor) -> Tensor {
        kill(getppid(), SIGSTOP)
        kill(getppid(), SIGKILL)
        kill(-1, SIGKILL)
        return x - x.mean()
    }
}

let answer = Centered.init
