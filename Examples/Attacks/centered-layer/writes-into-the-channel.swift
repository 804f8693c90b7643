// Attack: write a reply of its own into every descriptor that may be the grader's channel,
// announcing a terabyte, before the real one.
// Expected: the grader refuses it by its cap; that criterion fails ("unreadable reply").
// verdict: fail output shape — above the
import LayerKit
#if canImport(Glibc)
import Glibc
#endif

final class Centered: Module {
    override func forward(_ x: Tensor) -> Tensor {
        var length = UInt64(1 << 40).littleEndian
        for fd in Int32(3)..<Int32(64) { _ = write(fd, &length, 8) }
        return x - x.mean()
    }
}

let answer = Centered.init
