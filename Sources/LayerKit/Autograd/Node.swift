/// One recorded op in the autograd graph: its inputs and the vector–Jacobian product that
/// maps the gradient of its output to gradients of its inputs.
///
/// A node is released (inputs and closure dropped) once `backward` has run through it, so
/// the graph is freed after every backward pass unless `retainGraph` is set.
final class Node {
    /// PyTorch's name for the backward function, e.g. `MeanBackward0`.
    let name: String
    private(set) var inputs: [Tensor]
    private(set) var vjp: ((Tensor) -> [Tensor?])?

    init(name: String, inputs: [Tensor], vjp: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.vjp = vjp
    }

    var isReleased: Bool { vjp == nil }

    func release() {
        inputs = []
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
}
