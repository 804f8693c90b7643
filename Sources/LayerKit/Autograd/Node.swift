/// One recorded op in the autograd graph: its inputs and the vector–Jacobian product that
/// maps the gradient of its output to gradients of its inputs.
///
/// A node is released (inputs and closure dropped) once `backward` has run through it, so
/// the graph is freed after every backward pass unless `retainGraph` is set.
final class Node {
    /// PyTorch's name for the backward function, e.g. `MeanBackward0`.
    let name: String
    /// The first two inputs inline (most ops have one or two), the rest in `more`: recording
    /// an op allocates no array.
    private(set) var input0: Tensor?
    private(set) var input1: Tensor?
    private(set) var more: [Tensor]
    private(set) var inputCount: Int
    private(set) var vjp: ((Tensor) -> [Tensor?])?

    init(name: String, inputs: [Tensor], vjp: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        input0 = inputs.count > 0 ? inputs[0] : nil
        input1 = inputs.count > 1 ? inputs[1] : nil
        more = inputs.count > 2 ? Array(inputs[2...]) : []
        inputCount = inputs.count
        self.vjp = vjp
    }

    init(name: String, _ a: Tensor, _ b: Tensor?, vjp: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        input0 = a
        input1 = b
        more = []
        inputCount = b == nil ? 1 : 2
        self.vjp = vjp
    }

    /// Input `i` (`0 ..< inputCount`).
    @inline(__always)
    func input(_ i: Int) -> Tensor {
        i == 0 ? input0! : i == 1 ? input1! : more[i - 2]
    }

    var isReleased: Bool { vjp == nil }

    func release() {
        input0 = nil
        input1 = nil
        more = []
        inputCount = 0
        vjp = nil
    }
}

extension Tensor {
    /// Whether an op on this input must record a graph node. (Fixed-arity overloads: a
    /// variadic array would cost an allocation on every op.)
    @inline(__always)
    static func needsGrad(_ a: Tensor) -> Bool {
        a.requiresGrad && GradMode.isEnabled
    }

    /// Whether an op on these inputs must record a graph node.
    @inline(__always)
    static func needsGrad(_ a: Tensor, _ b: Tensor) -> Bool {
        (a.requiresGrad || b.requiresGrad) && GradMode.isEnabled
    }

    /// Records the op that made `self`: `vjp` receives the gradient of `self` and returns one
    /// gradient (or nil) per input, each of that input's shape.
    @inline(__always)
    final func record(_ name: String, _ inputs: [Tensor], _ vjp: @escaping (Tensor) -> [Tensor?]) {
        gradFn = Node(name: name, inputs: inputs, vjp: vjp)
    }

    /// `record` for a one-input op, without building an inputs array.
    @inline(__always)
    final func record(_ name: String, _ a: Tensor, _ vjp: @escaping (Tensor) -> [Tensor?]) {
        gradFn = Node(name: name, a, nil, vjp: vjp)
    }

    /// `record` for a two-input op, without building an inputs array.
    @inline(__always)
    final func record(_ name: String, _ a: Tensor, _ b: Tensor, _ vjp: @escaping (Tensor) -> [Tensor?]) {
        gradFn = Node(name: name, a, b, vjp: vjp)
    }
}
