/// Multiplies an optimizer's learning rate by `gamma` every `stepSize` epochs,
/// `torch.optim.lr_scheduler.StepLR`: after `e` calls to ``step()`` the rate is
/// `baseLR · gamma^⌊e / stepSize⌋`.
///
/// Call ``step()`` once per epoch, after the epoch's optimizer steps, as in PyTorch:
///
///     let opt = Adam(model.parameters(), lr: 1e-3, weightDecay: 1e-4)
///     let scheduler = StepLR(opt, stepSize: 100, gamma: 0.5)
///     for _ in 0..<500 {
///         // … one epoch of opt.step() …
///         scheduler.step()
///     }
public final class StepLR {
    /// The optimizer whose learning rate is set.
    public let optimizer: any Optimizer
    /// Epochs between two decays.
    public let stepSize: Int
    /// The factor applied at each decay.
    public let gamma: Double
    /// The learning rate the optimizer had when the scheduler was made.
    public let baseLR: Double
    /// How many times ``step()`` has been called (PyTorch's `last_epoch`).
    public private(set) var epoch = 0

    /// A schedule that multiplies `optimizer.lr` by `gamma` every `stepSize` epochs.
    public init(_ optimizer: any Optimizer, stepSize: Int, gamma: Double = 0.1) {
        if stepSize < 1 { opError("StepLR", "step_size must be positive, got \(stepSize)") }
        if !(gamma >= 0) { opError("StepLR", "gamma must be non-negative, got \(gamma)") }
        self.optimizer = optimizer
        self.stepSize = stepSize
        self.gamma = gamma
        baseLR = optimizer.lr
    }

    /// The learning rate after ``epoch`` epochs: `baseLR · gamma^⌊epoch / stepSize⌋`.
    public var currentLR: Double {
        var lr = baseLR
        for _ in 0..<(epoch / stepSize) { lr *= gamma }
        return lr
    }

    /// Ends an epoch: advances ``epoch`` and sets the optimizer's learning rate.
    public func step() {
        epoch += 1
        optimizer.lr = currentLR
    }
}
