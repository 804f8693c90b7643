extension Tensor {
    /// An op with a hand-written backward, PyTorch's `torch.autograd.Function`.
    ///
    /// `forward` receives the inputs detached from the graph and runs without recording;
    /// `backward` receives the gradient of the output, the same detached inputs and the output,
    /// and returns one gradient (or nil) per input, each of that input's shape. The result
    /// records one node named `name`, as a built-in op does.
    ///
    ///     let y = Tensor.function("SquareBackward", [x],
    ///         forward: { $0[0] * $0[0] },
    ///         backward: { g, xs, _ in [g * xs[0] * 2] })
    public static func function(
        _ name: String, _ inputs: [Tensor],
        forward: ([Tensor]) -> Tensor,
        backward: @escaping (_ gradOutput: Tensor, _ inputs: [Tensor], _ output: Tensor) -> [Tensor?]
    ) -> Tensor {
        let detached = inputs.map { $0.detach() }
        let value = withNoGrad { forward(detached) }
        let out = Tensor(storage: value.storage, shape: value.shape)
        if inputs.contains(where: \.requiresGrad) && GradMode.isEnabled {
            let y = out.detach()
            out.record(name, inputs) { g in
                let grads = backward(g, detached, y)
                if grads.count != inputs.count {
                    opError(name, "backward returned \(grads.count) gradients for \(inputs.count) inputs")
                }
                for (i, (grad, input)) in zip(grads, inputs).enumerated() {
                    if let grad, grad.shape != input.shape {
                        opError(name, "backward returned a gradient of shape \(grad.shape) for input \(i) of shape \(input.shape)")
                    }
                }
                return grads
            }
        }
        return out
    }
}
