import ArgumentParser
import Foundation
import LayerKit

/// `layerkit train-demo`: trains the book's MLP on a seeded toy problem and saves its weights.
struct TrainDemo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-demo",
        abstract: "Train Linear(20,256)-ReLU-Linear(256,10) with SGD on seeded toy data and save the trained state dict as safetensors.")

    @Option(help: "Number of epochs.")
    var epochs: Int = 5

    @Option(help: "Seed for the data and the initial weights.")
    var seed: UInt64 = 0

    @Option(help: "Write the trained state dict to this safetensors file (PyTorch-readable); \"\" to skip.")
    var save: String = "train-demo.safetensors"

    func validate() throws {
        if epochs < 0 { throw ValidationError("--epochs must be non-negative, got \(epochs)") }
    }

    func run() throws {
        let url = save.isEmpty ? nil : URL(fileURLWithPath: save)
        _ = try runTrainDemo(epochs: epochs, seed: seed, savePath: url) { print($0) }
    }
}
