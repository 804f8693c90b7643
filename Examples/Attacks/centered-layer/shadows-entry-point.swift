// Attack: take over the child's entry point and report success without a layer.
// Expected: fails `compiles` — the grader's entry point is linked in; a second one does not link.
// verdict: fail compiles — no entry point of its own
import LayerKit
import Foundation

@main enum TakeOver {
    static func main() {
        print(#"{"kind":"ready","body":{"language":"swift","runtime":"forged"}} all criteria passed"#)
        exit(0)
    }
}

final class Centered: Module {
    override func forward(_ x: Tensor) -> Tensor { x }
}

let answer = Centered.init
