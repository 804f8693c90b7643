/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2
/// weight decay — `torch.optim.SGD`, step for step:
///
///     d = g + weightDecay·p
///     b = d                                   (first step)
///     b = momentum·b + (1 − dampening)·d      (later steps)
///     d = nesterov ? d + momentum·b : b       (when momentum ≠ 0)
///     p = p − lr·d
///
/// Accepts any sequence of tensors or parameters: `SGD(net.parameters(), lr: 0.1, momentum: 0.9)`.
public final class SGD: Optimizer {
    /// The parameters being optimised.
    public let parameters: [Tensor]
    /// The learning rate.
    public var lr: Double
    /// Momentum factor (0 turns momentum off).
    public var momentum: Double
    /// Dampening applied to the gradient in the momentum update.
    public var dampening: Double
    /// L2 penalty added to the gradient (`g + weightDecay·p`).
    public var weightDecay: Double
    /// Whether to use Nesterov momentum.
    public var nesterov: Bool
    /// The momentum buffer of each parameter, by position in `parameters` (nil until its first step).
    private var momentumBuffers: [Tensor?]

    /// An SGD optimiser over `params` with PyTorch's defaults.
    ///
    ///     let opt = SGD(model.parameters(), lr: 0.01, momentum: 0.9, nesterov: true)
    public init<S: Sequence>(
        _ params: S, lr: Double, momentum: Double = 0, dampening: Double = 0,
        weightDecay: Double = 0, nesterov: Bool = false
    ) where S.Element: Tensor {
        checkHyperparameter(lr >= 0, "SGD", "learning rate", lr)
        checkHyperparameter(momentum >= 0, "SGD", "momentum value", momentum)
        checkHyperparameter(weightDecay >= 0, "SGD", "weight_decay value", weightDecay)
        if nesterov && (momentum <= 0 || dampening != 0) {
            opError("SGD", "Nesterov momentum requires a momentum and zero dampening (momentum \(momentum), dampening \(dampening))")
        }
        parameters = optimizerParameters(params, op: "SGD")
        self.lr = lr
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        momentumBuffers = Array(repeating: nil, count: parameters.count)
    }

    /// The momentum buffer of `parameter` (nil before its first step or without momentum).
    public func momentumBuffer(for parameter: Tensor) -> Tensor? {
        parameters.firstIndex { $0 === parameter }.flatMap { momentumBuffers[$0] }
    }

    /// One SGD update of every parameter that has a gradient.
    public func step() {
        for (i, p) in parameters.enumerated() {
            guard let g = p.optimizerGrad(op: "SGD.step") else { continue }
            var buffer = p.matchingState(momentumBuffers[i])
            let first = buffer == nil
            // Every element is written by the first step, so the buffer starts uninitialised.
            if momentum != 0 && first { buffer = Tensor.uninitialized(like: p) }
            let h = SGDHyper(lr: lr, momentum: momentum, dampening: dampening, weightDecay: weightDecay,
                             nesterov: nesterov, first: first)
            sgdStep(p, grad: g, buffer: buffer, h)
            if momentum != 0 { momentumBuffers[i] = buffer }
        }
    }
}

struct SGDHyper {
    var lr, momentum, dampening, weightDecay: Double
    var nesterov, first: Bool
}
