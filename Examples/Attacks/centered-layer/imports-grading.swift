// Attack: reach the grader's own code (its result types, its reference answers) from an answer.
// Expected: fails `compiles` — an answer sees LayerKit only.
// verdict: fail compiles — `import Grading` is not available to answers
import LayerKit
import Grading

final class Centered: Module {
    override func forward(_ x: Tensor) -> Tensor { x - x.mean() }
}

let answer = Centered.init
