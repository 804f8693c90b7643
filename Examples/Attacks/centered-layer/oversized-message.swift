// Attack: an output of 200 million numbers (1.6 GB as a reply), to exhaust the grader's memory.
// Expected: the child cannot even allocate it under its memory limit, or the grader refuses the
// reply by its length cap; either way that criterion fails and the run goes on.
// verdict: fail output shape
import LayerKit

final class Huge: Module {
    override func forward(_ x: Tensor) -> Tensor { Tensor.zeros([200_000_000], dtype: x.dtype) }
}

let answer = Huge.init
