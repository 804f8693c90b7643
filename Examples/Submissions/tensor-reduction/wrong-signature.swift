import LayerKit

final class OneArgument: Module {
    init(_ i: Int) { super.init() }
    override func forward(_ x: Tensor) -> Tensor { x }
}

let answer = OneArgument.init
