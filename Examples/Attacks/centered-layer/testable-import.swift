// Attack: `@testable import` to reach internals (debug builds are compiled for testing).
// Expected: fails `compiles` with a reason naming @testable.
// verdict: fail compiles — `@testable import` is not available
@testable import LayerKit

final class Centered: Module {
    override func forward(_ x: Tensor) -> Tensor { x - x.mean() }
}

let answer = Centered.init
