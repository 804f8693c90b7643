import Foundation
import LayerKit

/// Pairs of functions sampled on a grid, kept as flat float32 rows so that a mini-batch is one
/// gather: inputs `a` and targets `u`, `count` rows of `points` values each.
public struct FunctionPairs: Sendable {
    /// Rows.
    public let count: Int
    /// Samples per row.
    public let points: Int
    /// The input functions, row after row.
    public let inputs: [Float]
    /// The target functions, row after row.
    public let targets: [Float]

    /// Pairs from two `[count, points]` tensors of any dtype.
    public init(inputs: Tensor, targets: Tensor) {
        precondition(inputs.rank == 2 && inputs.shape == targets.shape,
                     "FunctionPairs: inputs \(inputs.shape) and targets \(targets.shape) must both be [count, points]")
        count = inputs.shape[0]
        points = inputs.shape[1]
        self.inputs = inputs.floats()
        self.targets = targets.floats()
    }

    /// The rows `rows` of the targets, `[rows.count, points]`.
    public func targetBatch(_ rows: [Int]) -> Tensor { gather(targets, rows) }

    /// The rows `rows` of the inputs, `[rows.count, points]`.
    public func inputBatch(_ rows: [Int]) -> Tensor { gather(inputs, rows) }

    /// The rows `rows` of the inputs with the grid `x_j = j/(points − 1)` beside them,
    /// `[rows.count, points, 2]` holding `(a(x_j), x_j)`: the FNO's input, as the reference
    /// `fourier_1d.py` builds it (`np.linspace(0, 1, s)`).
    public func inputWithGridBatch(_ rows: [Int]) -> Tensor {
        var out = [Float](repeating: 0, count: rows.count * points * 2)
        let step = 1 / Float(max(1, points - 1))
        for (r, row) in rows.enumerated() {
            for j in 0..<points {
                out[(r * points + j) * 2] = inputs[row * points + j]
                out[(r * points + j) * 2 + 1] = Float(j) * step
            }
        }
        return Tensor(out, shape: [rows.count, points, 2])
    }

    private func gather(_ values: [Float], _ rows: [Int]) -> Tensor {
        var out = [Float](repeating: 0, count: rows.count * points)
        for (r, row) in rows.enumerated() {
            out.replaceSubrange((r * points)..<((r + 1) * points), with: values[(row * points)..<((row + 1) * points)])
        }
        return Tensor(out, shape: [rows.count, points])
    }
}

/// How to train a model on function pairs: the FNO reference's loop (Adam with L2 weight
/// decay, `StepLR`, the summed relative L2 loss, shuffled mini-batches).
public struct TrainingOptions: Sendable {
    /// Passes over the training pairs.
    public var epochs: Int
    /// Pairs per optimizer step.
    public var batchSize: Int
    /// Adam's initial learning rate.
    public var learningRate: Double
    /// Adam's L2 weight decay.
    public var weightDecay: Double
    /// Epochs between two halvings of the learning rate (`StepLR`'s `step_size`; default `epochs/10`).
    public var stepSize: Int
    /// `StepLR`'s factor.
    public var gamma: Double

    /// The reference's settings (`batch_size 20, lr 1e-3, weight_decay 1e-4, StepLR(step, 0.5)`),
    /// with the step scaled to `epochs`: `stepSize = epochs/10`, nine halvings down to
    /// lr ≈ 2e-6 in the last tenth, where the reference's `StepLR(100, 0.5)` over 500 epochs
    /// halves four times, to 6.25e-5. At that rate one Adam step moves `fc2.bias`, and with it
    /// every output, by about 6e-5, a third of the smallest targets' RMS (1.7e-4 with ν = 0.1),
    /// so the last epoch's test error jumps between 0.003 and 0.03 from epoch to epoch, in
    /// PyTorch as here; nine halvings let it settle (Notes/burgers-experiment.md).
    public init(epochs: Int, batchSize: Int = 20, learningRate: Double = 1e-3, weightDecay: Double = 1e-4,
                stepSize: Int? = nil, gamma: Double = 0.5) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.stepSize = stepSize ?? max(1, epochs / 10)
        self.gamma = gamma
    }
}

/// What one training run measured, per epoch.
public struct TrainingHistory: Codable, Sendable {
    /// Mean relative L2 error over the training pairs during each epoch.
    public var trainLoss: [Double] = []
    /// Mean relative L2 error over the test pairs after each epoch.
    public var testError: [Double] = []
    /// Wall-clock seconds of each epoch's training steps (test evaluation excluded).
    public var epochSeconds: [Double] = []
}

/// Trains `model` on `train` and evaluates it on `test` after every epoch.
///
/// - Parameters:
///   - model: maps an input batch to predictions with as many values per row as the targets.
///   - input: builds the model's input batch from the pairs and row indices.
///   - generator: shuffles the pairs each epoch.
///   - progress: called after every step with (epoch, step, steps per epoch, running mean loss).
///   - epochEnd: called after every epoch with the history so far.
public func trainOperator(
    _ model: Module, train: FunctionPairs, test: FunctionPairs, options: TrainingOptions,
    input: (FunctionPairs, [Int]) -> Tensor, generator: Generator,
    progress: (Int, Int, Int, Double) -> Void = { _, _, _, _ in },
    epochEnd: (TrainingHistory) -> Void = { _ in }
) -> TrainingHistory {
    let optimizer = Adam(model.parameters(), lr: options.learningRate, weightDecay: options.weightDecay)
    let scheduler = StepLR(optimizer, stepSize: options.stepSize, gamma: options.gamma)
    var history = TrainingHistory()
    var order = Array(0..<train.count)
    let steps = (train.count + options.batchSize - 1) / options.batchSize
    for epoch in stride(from: 1, through: options.epochs, by: 1) {
        let start = Date()
        _ = model.train()
        for i in stride(from: train.count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
        }
        var total = 0.0
        for step in 0..<steps {
            let rows = Array(order[(step * options.batchSize)..<min(train.count, (step + 1) * options.batchSize)])
            optimizer.zeroGrad()
            let loss = relativeL2(model(input(train, rows)), target: train.targetBatch(rows))
            loss.backward()
            optimizer.step()
            total += loss.item()
            progress(epoch, step + 1, steps, total / Double(min(train.count, (step + 1) * options.batchSize)))
        }
        scheduler.step()
        history.epochSeconds.append(Date().timeIntervalSince(start))
        history.trainLoss.append(total / Double(train.count))
        history.testError.append(evaluate(model, on: test, input: input))
        epochEnd(history)
    }
    return history
}

/// The mean relative L2 error of `model` over all pairs, in eval mode and without a graph.
public func evaluate(_ model: Module, on pairs: FunctionPairs, input: (FunctionPairs, [Int]) -> Tensor,
                     batchSize: Int = 100) -> Double {
    _ = model.eval()
    defer { _ = model.train() }
    return withNoGrad {
        var total = 0.0
        for lo in stride(from: 0, to: pairs.count, by: batchSize) {
            let rows = Array(lo..<min(pairs.count, lo + batchSize))
            total += relativeL2(model(input(pairs, rows)), target: pairs.targetBatch(rows)).item()
        }
        return total / Double(max(1, pairs.count))
    }
}

/// `model`'s predictions for the rows `rows`, `[rows.count · points]` values, without a graph.
public func predict(_ model: Module, on pairs: FunctionPairs, rows: [Int], input: (FunctionPairs, [Int]) -> Tensor) -> [Double] {
    _ = model.eval()
    defer { _ = model.train() }
    return withNoGrad { model(input(pairs, rows)).doubles() }
}
