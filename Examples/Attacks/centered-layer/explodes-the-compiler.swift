// Attack: an expression whose type checking explodes, to hold the grader in the compiler.
// Expected: the compiler gives up (or its time limit stops it); fails `compiles`.
// verdict: fail compiles — compiler
import LayerKit

let slow = [1, 2.0, 3, 4.5, 5, 6.5, 7, 8.5, 9, 10.5].map { $0 * 2 + 1 - 3 * 4 / 2 + 5 - 6 * 7 + 8 * 9 - 10 + 11 * 12 - 13 + 14 * 15 - 16 }
    .reduce(0) { $0 + $1 * 2 - 3 + 4 * 5 - 6 + 7 * 8 - 9 }

final class Centered: Module {
    override func forward(_ x: Tensor) -> Tensor { x - x.mean() }
}

let answer = Centered.init
