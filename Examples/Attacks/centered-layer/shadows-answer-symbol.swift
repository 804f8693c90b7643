// Attack: define the symbol the grader's entry point calls, to hand it a different answer.
// Expected: fails `compiles` — the generated thunk already defines it; two do not link.
// verdict: fail compiles — no entry point of its own
import LayerKit

final class Centered: Module {
    override func forward(_ x: Tensor) -> Tensor { x - x.mean() }
}

final class Wrong: Module {
    override func forward(_ x: Tensor) -> Tensor { x }
}

@_silgen_name("layerkit_answer")
public func forgedAnswer() -> Any { { () -> Module in Wrong() } as () throws -> Module }

let answer = Centered.init
