import RealModule

/// Adam, `torch.optim.Adam` step for step (with optional L2 weight decay and AMSGrad):
///
///     d = g + weightDecay·p
///     m = m + (1 − β₁)·(d − m)
///     v = β₂·v + (1 − β₂)·d²              (v̂ = max(v̂, v) with amsgrad)
///     p = p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + eps)
///
/// with `t` counted per parameter (a parameter skipped for lack of a gradient does not advance).
///
///     let opt = Adam(net.parameters(), lr: 1e-3)
public class Adam: Optimizer {
    /// The parameters being optimised.
    public let parameters: [Tensor]
    /// The learning rate.
    public var lr: Double
    /// Decay rates of the first and second moment averages.
    public var betas: (Double, Double)
    /// Added to the denominator for numerical stability.
    public var eps: Double
    /// Weight decay: an L2 term in the gradient for `Adam`, decoupled (`p ← p·(1 − lr·wd)`) for `AdamW`.
    public var weightDecay: Double
    /// Whether to use the AMSGrad variant (the running maximum of the second moment).
    public var amsgrad: Bool
    let decoupled: Bool
    private var states: [AdamState?]

    /// Adam over `params` with PyTorch's defaults.
    public convenience init<S: Sequence>(
        _ params: S, lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
        weightDecay: Double = 0, amsgrad: Bool = false
    ) where S.Element: Tensor {
        self.init(params, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad,
                  decoupled: false, name: "Adam")
    }

    init<S: Sequence>(
        _ params: S, lr: Double, betas: (Double, Double), eps: Double, weightDecay: Double,
        amsgrad: Bool, decoupled: Bool, name: String
    ) where S.Element: Tensor {
        checkHyperparameter(lr >= 0, name, "learning rate", lr)
        checkHyperparameter(eps >= 0, name, "epsilon value", eps)
        checkHyperparameter(betas.0 >= 0 && betas.0 < 1, name, "beta parameter at index 0", betas.0)
        checkHyperparameter(betas.1 >= 0 && betas.1 < 1, name, "beta parameter at index 1", betas.1)
        checkHyperparameter(weightDecay >= 0, name, "weight_decay value", weightDecay)
        parameters = optimizerParameters(params, op: name)
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        self.decoupled = decoupled
        states = Array(repeating: nil, count: parameters.count)
    }

    /// How many steps `parameter` has taken (PyTorch's `state[p]["step"]`).
    public func stepCount(for parameter: Tensor) -> Int {
        parameters.firstIndex { $0 === parameter }.flatMap { states[$0]?.step } ?? 0
    }

    /// One Adam update of every parameter that has a gradient.
    public func step() {
        let name = decoupled ? "AdamW.step" : "Adam.step"
        for (i, p) in parameters.enumerated() {
            guard let g = p.optimizerGrad(op: name) else { continue }
            var state = states[i] ?? AdamState(like: p, amsgrad: amsgrad)
            state.follow(p, amsgrad: amsgrad)
            state.step += 1
            let t = Double(state.step)
            let h = AdamHyper(
                lr: lr, beta1: betas.0, beta2: betas.1, eps: eps, weightDecay: weightDecay, decoupled: decoupled,
                stepSize: lr / (1 - Double.pow(betas.0, t)),
                bias2Sqrt: (1 - Double.pow(betas.1, t)).squareRoot())
            adamStep(p, grad: g, expAvg: state.expAvg, expAvgSq: state.expAvgSq, maxExpAvgSq: state.maxExpAvgSq, h)
            states[i] = state
        }
    }
}

/// AdamW: Adam with decoupled weight decay (`p ← p·(1 − lr·weightDecay)` before the Adam
/// step), `torch.optim.AdamW`, default weight decay 0.01.
///
///     let opt = AdamW(net.parameters(), lr: 1e-3, weightDecay: 0.05)
public final class AdamW: Adam {
    /// AdamW over `params` with PyTorch's defaults.
    public init<S: Sequence>(
        _ params: S, lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
        weightDecay: Double = 1e-2, amsgrad: Bool = false
    ) where S.Element: Tensor {
        super.init(params, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad,
                   decoupled: true, name: "AdamW")
    }
}

/// One parameter's Adam state: moment buffers in its dtype, and its own step count.
struct AdamState {
    var step = 0
    var expAvg: Tensor
    var expAvgSq: Tensor
    var maxExpAvgSq: Tensor?

    init(like p: Tensor, amsgrad: Bool) {
        expAvg = Tensor.zeros(p.shape, dtype: p.dtype)
        expAvgSq = Tensor.zeros(p.shape, dtype: p.dtype)
        maxExpAvgSq = amsgrad ? Tensor.zeros(p.shape, dtype: p.dtype) : nil
    }

    /// Converts the buffers if the parameter changed dtype; starts the AMSGrad maximum when
    /// `amsgrad` was switched on mid-run.
    mutating func follow(_ p: Tensor, amsgrad: Bool) {
        expAvg = p.matchingState(expAvg)!
        expAvgSq = p.matchingState(expAvgSq)!
        if amsgrad {
            maxExpAvgSq = p.matchingState(maxExpAvgSq) ?? Tensor.zeros(p.shape, dtype: p.dtype)
        }
    }
}

struct AdamHyper {
    var lr, beta1, beta2, eps, weightDecay: Double
    var decoupled: Bool
    var stepSize, bias2Sqrt: Double
}
