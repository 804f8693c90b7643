import Foundation
import Testing
import LayerKit
@testable import Experiments

/// A fresh temporary directory for one test.
func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("layerkit-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite("Burgers experiment")
struct BurgersExperimentTests {
    @Test("short run (64 points, 48 pairs, 4 epochs): the FNO's and the baseline's losses fall; files written")
    func shortRunLossFalls() throws {
        let out = try temporaryDirectory("burgers-short")
        defer { try? FileManager.default.removeItem(at: out) }
        var options = BurgersExperiment.Options(outputDirectory: out)
        options.data = .init(train: 40, test: 8, resolution: 64, finePoints: 256, steps: 40, seed: 1)
        options.modes = 8
        options.width = 16
        options.fno = TrainingOptions(epochs: 4, batchSize: 10, learningRate: 3e-3)
        options.baseline = TrainingOptions(epochs: 4, batchSize: 10)
        options.baselineHidden = 64
        options.showProgress = false
        var lines: [String] = []
        let summary = try BurgersExperiment.run(options) { lines.append($0) }

        let fno = summary.fno.history
        #expect(fno.trainLoss.count == 4 && fno.testError.count == 4)
        #expect(fno.trainLoss.last! < 0.7 * fno.trainLoss.first!, "FNO train loss \(fno.trainLoss)")
        #expect(fno.testError.last! < fno.testError.first!, "FNO test error \(fno.testError)")
        let mlp = try #require(summary.baseline).history
        #expect(mlp.trainLoss.last! < mlp.trainLoss.first!, "MLP train loss \(mlp.trainLoss)")

        // The outputs: weights that load back into a fresh FNO1d, the picture, the summary.
        let weights = try Safetensors.load(from: URL(fileURLWithPath: summary.fnoWeights))
        #expect(weights.map(\.0).contains("conv0.weights1"))
        let fresh = FNO1d(modes: 8, width: 16, generator: Generator(seed: 9))
        try fresh.loadStateDict(weights)
        let svg = try String(contentsOf: URL(fileURLWithPath: summary.figure), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("FNO test") && svg.contains("polyline"))
        let json = try JSONDecoder().decode(BurgersExperiment.Summary.self,
                                            from: Data(contentsOf: out.appendingPathComponent("experiment.json")))
        #expect(json.fno.testError == summary.fno.testError && json.train == 40)
        #expect(lines.contains { $0.hasPrefix("generating 40 + 8 Burgers pairs") })
    }

    @Test("the data cache: a second load reads the file, equal tensors; a wrong file throws")
    func cache() throws {
        let dir = try temporaryDirectory("burgers-cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = BurgersDataset.Configuration(train: 3, test: 2, resolution: 32, finePoints: 64, steps: 10, seed: 5)
        var log: [String] = []
        let first = try BurgersDataset.load(config, cacheDirectory: dir) { log.append($0) }
        let second = try BurgersDataset.load(config, cacheDirectory: dir) { log.append($0) }
        #expect(log.first!.hasPrefix("generating") && log.last!.hasPrefix("loaded cached data"))
        #expect(first.trainTargets.doubles() == second.trainTargets.doubles())
        #expect(first.testInputs.shape == [2, 32])
        // Subsampling keeps every second fine point: the input is the GRF draw on the coarse grid.
        let draw = GaussianRandomField().sample(count: 5, points: 64, generator: Generator(seed: 5))
        #expect(first.trainInputs.doubles()[0...3] == [draw[0], draw[2], draw[4], draw[6]])
        // A file under the same name with other shapes is refused with the tensor named.
        try BurgersDataset.generate(.init(train: 2, test: 2, resolution: 32, finePoints: 64, steps: 10, seed: 5))
            .save(to: dir.appendingPathComponent(config.cacheFileName))
        #expect(throws: BurgersDataError.self) { try BurgersDataset.load(config, cacheDirectory: dir) }
    }

    @Test("relativeL2 sums ‖p − t‖/‖t‖ over rows, with the analytic gradient")
    func relativeL2Values() throws {
        let p = Tensor([1, 2, 2, 0], shape: [2, 2], dtype: .float64, requiresGrad: true)
        let t = Tensor([1, 1, 3, 4], shape: [2, 2], dtype: .float64)
        let loss = relativeL2(p, target: t)
        // Row 0: ‖(0, 1)‖/‖(1, 1)‖ = 1/√2; row 1: ‖(−1, −4)‖/5 = √17/5.
        #expect(abs(loss.item() - (1 / 2.0.squareRoot() + 17.0.squareRoot() / 5)) < 1e-12)
        let report = try gradCheck([Tensor([1.1, 2, 2, 0.3], shape: [2, 2], dtype: .float64, requiresGrad: true)]) {
            relativeL2($0[0], target: t)
        }
        #expect(report.passed, "\(report)")
    }

    @Test("progress durations read as 45s, 1m15s, 1h01m")
    func durations() {
        #expect(ProgressBar.duration(45) == "45s")
        #expect(ProgressBar.duration(75) == "1m15s")
        #expect(ProgressBar.duration(3700) == "1h01m")
    }
}
