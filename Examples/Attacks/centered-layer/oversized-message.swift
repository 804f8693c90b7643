// Attack: an output of 10 million numbers (80 MB as a reply), to exhaust the grader's memory.
// Expected: the grader refuses the reply by its length cap (64 MiB) before reading it; that
// criterion fails and the run goes on.
// verdict: fail output shape — above the
import LayerKit

final class Huge: Module {
    override func forward(_ x: Tensor) -> Tensor { Tensor.zeros([10_000_000], dtype: x.dtype) }
}

let answer = Huge.init
