import Foundation

/// A complete small training run, the one `layerkit train-demo` shows: the book's MLP
/// `Sequential(Linear(20, 256), ReLU(), Linear(256, 10))` learns a synthetic, seeded data set
/// with mini-batch SGD and cross-entropy, printing one progress line per epoch.
///
/// The data: 1,024 points in 20 dimensions from a mixture of 10 Gaussians (class centres
/// `N(0, 0.7²)` per coordinate, unit noise), labels the mixture component — overlapping
/// enough that accuracy climbs over several epochs (about 60% after the first, 90% after
/// the fifth). Mini-batches of 64, reshuffled each epoch; SGD with learning rate 0.1. Everything
/// random (data, initial weights, shuffles) comes from one generator seeded by `seed`, so a
/// run repeats exactly. Takes a second or two in a debug build.
///
///     let losses = try runTrainDemo(savePath: URL(fileURLWithPath: "mlp.safetensors")) { print($0) }
///     // epoch 1/5  loss 1.6…  accuracy 6…%
///
/// - Parameters:
///   - epochs: passes over the data.
///   - seed: fixes the data, the initial weights and the shuffles.
///   - savePath: where to save the trained weights as safetensors (PyTorch's names,
///     `0.weight`, `0.bias`, `2.weight`, `2.bias`); nothing is saved when nil.
///   - log: receives each progress line.
/// - Returns: the mean training loss of each epoch.
/// - Throws: when the weights cannot be written.
@discardableResult
public func runTrainDemo(
    epochs: Int = 5, seed: UInt64 = 0, savePath: URL?, log: (String) -> Void
) throws -> [Double] {
    if epochs < 0 { opError("runTrainDemo", "epochs must be non-negative, got \(epochs)") }
    let features = 20, classes = 10, count = 1024, batchSize = 64
    let generator = Generator(seed: seed)
    let data = TrainDemoData(count: count, features: features, classes: classes, generator: generator)

    let model = Sequential(Linear(features, 256), ReLU(), Linear(256, classes))
    // Linear draws its initial weights from the global stream; redraw them (same law:
    // U(±1/√in)) from the demo's generator so the run depends on `seed` alone.
    for case let layer as Linear in model.layers {
        let bound = 1 / Double(layer.inFeatures).squareRoot()
        Init.uniform(layer.weight, low: -bound, high: bound, generator: generator)
        if let bias = layer.bias { Init.uniform(bias, low: -bound, high: bound, generator: generator) }
    }
    let optimizer = SGD(model.parameters(), lr: 0.1)

    var losses: [Double] = []
    var order = Array(0..<count)
    for epoch in stride(from: 1, through: epochs, by: 1) {
        // Fisher–Yates with the demo's generator, so the order is the same on every platform.
        for i in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
        }
        var totalLoss = 0.0, correct = 0
        for start in stride(from: 0, to: count, by: batchSize) {
            let rows = Array(order[start..<min(start + batchSize, count)])
            let (x, y) = data.batch(rows)
            optimizer.zeroGrad()
            let logits = model(x)
            let loss = crossEntropy(logits, target: y)
            loss.backward()
            optimizer.step()
            totalLoss += loss.item() * Double(rows.count)
            correct += (logits.argmax(axis: 1) .== y).sum().intItem()
        }
        let meanLoss = totalLoss / Double(count)
        losses.append(meanLoss)
        log(String(format: "epoch %d/%d  loss %.4f  accuracy %.1f%%", epoch, epochs, meanLoss,
                   100 * Double(correct) / Double(count)))
    }
    if let savePath {
        try Safetensors.save(model.stateDict(), to: savePath)
        log("saved weights to \(savePath.path)")
    }
    return losses
}

/// The demo's data set as tensors, so a mini-batch is one `indexSelect` of rows.
private struct TrainDemoData {
    /// `[count, features]` float32 inputs.
    let inputs: Tensor
    /// `[count]` int64 class labels.
    let labels: Tensor

    init(count: Int, features: Int, classes: Int, generator: Generator) {
        let centres = Tensor.normal([classes, features], mean: 0, std: 0.7, generator: generator)
        let noise = Tensor.randn([count, features], generator: generator)
        let labels = Tensor((0..<count).map { _ in Int(generator.next() % UInt64(classes)) })
        inputs = centres.indexSelect(axis: 0, index: labels) + noise
        self.labels = labels
    }

    /// The rows `rows` as inputs `[b, features]` and int64 class-index targets `[b]`.
    func batch(_ rows: [Int]) -> (Tensor, Tensor) {
        let index = Tensor(rows)
        return (inputs.indexSelect(axis: 0, index: index), labels.indexSelect(axis: 0, index: index))
    }
}
