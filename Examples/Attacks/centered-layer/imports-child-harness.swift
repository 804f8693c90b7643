// Attack: import the child's protocol module to talk to the grader in its own words.
// Expected: fails `compiles` — LayerKitChild is not on an answer's module search path.
// verdict: fail compiles — not available to answers
import LayerKit
import LayerKitChild

final class Centered: Module {
    override func forward(_ x: Tensor) -> Tensor { x - x.mean() }
}

let answer = Centered.init
