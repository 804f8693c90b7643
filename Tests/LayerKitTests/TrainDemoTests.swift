import Foundation
import Testing
@testable import LayerKit

/// The training example: loss falls, the progress lines read right, the run repeats exactly
/// for a seed, and the saved weights load back into the same model.
@Suite("TrainDemo")
struct TrainDemoTests {
    @Test("three epochs: loss falls every epoch, one progress line each, weights saved and reloadable")
    func lossFallsAndWeightsSave() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("layerkit-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("mlp.safetensors")
        var lines: [String] = []
        let losses = try runTrainDemo(epochs: 3, seed: 7, savePath: url) { lines.append($0) }

        #expect(losses.count == 3)
        #expect(losses[1] < losses[0] && losses[2] < losses[1], "\(losses)")
        #expect(losses[2] < 0.75 * losses[0], "\(losses)")
        #expect(losses[0] < Foundation.log(10.0) + 0.2, "starts near chance: \(losses)")
        #expect(lines.count == 4, "\(lines)")
        var accuracies: [Double] = []
        for (i, line) in lines.prefix(3).enumerated() {
            // "epoch 1/3  loss 1.6543  accuracy 60.2%"
            let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            #expect(fields.count == 8 && fields[0] == "epoch" && fields[1] == "\(i + 1)/3" && fields[2] == ""
                    && fields[3] == "loss" && fields[5] == "" && fields[6] == "accuracy" && fields[7].hasSuffix("%"), "\(line)")
            guard fields.count == 8 else { continue }
            #expect(fields[4].split(separator: ".").last?.count == 4, "\(line)")
            #expect(Swift.abs((Double(fields[4]) ?? .nan) - losses[i]) < 1e-4, "\(line)")
            let accuracy = try #require(Double(fields[7].dropLast()), "\(line)")
            accuracies.append(accuracy)
        }
        #expect(accuracies.count == 3 && accuracies[2] > accuracies[0] && accuracies[2] > 70, "\(lines)")
        #expect(lines[3].contains(url.path))

        let saved = try Safetensors.load(from: url)
        #expect(saved.map(\.0) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(saved.map(\.1.shape) == [[256, 20], [256], [10, 256], [10]])
        let model = Sequential(Linear(20, 256), ReLU(), Linear(256, 10))
        try model.loadStateDict(saved)
        #expect(model.stateDict().map { $0.1.doubles() } == saved.map { $0.1.doubles() })
    }

    @Test("the same seed repeats the run exactly; another seed differs")
    func seeded() throws {
        let a = try runTrainDemo(epochs: 1, seed: 3, savePath: nil) { _ in }
        let b = try runTrainDemo(epochs: 1, seed: 3, savePath: nil) { _ in }
        let c = try runTrainDemo(epochs: 1, seed: 4, savePath: nil) { _ in }
        #expect(a == b)
        #expect(a != c)
    }
}
