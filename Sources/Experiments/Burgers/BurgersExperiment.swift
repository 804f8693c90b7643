import Foundation
import LayerKit

/// The FNO paper's first experiment, end to end: generate (or load) the Burgers data, train
/// ``LayerKit/FNO1d`` and a fully connected baseline on it, and write the weights, a picture and
/// a JSON summary. `layerkit experiment burgers` runs it.
///
///     var options = BurgersExperiment.Options(outputDirectory: URL(fileURLWithPath: "burgers-out"))
///     options.fno.epochs = 50
///     let summary = try BurgersExperiment.run(options) { print($0) }
///     summary.fno.testError      // mean relative L2 error on the test pairs
public enum BurgersExperiment {
    /// Everything a run depends on.
    public struct Options: Sendable {
        /// The data set (sizes, grids, seed).
        public var data = BurgersDataset.Configuration()
        /// Fourier modes kept by each spectral convolution.
        public var modes = 16
        /// Channels inside the FNO.
        public var width = 64
        /// How the FNO is trained.
        public var fno = TrainingOptions(epochs: 60)
        /// How the fully connected baseline is trained; nil skips it.
        public var baseline: TrainingOptions? = TrainingOptions(epochs: 60)
        /// Hidden width of the baseline `Linear(s, h) – GELU – Linear(h, h) – GELU – Linear(h, s)`.
        public var baselineHidden = 1024
        /// Seed for the initial weights and the shuffles.
        public var seed: UInt64 = 0
        /// Where the weights, the SVG and the JSON summary go.
        public var outputDirectory: URL
        /// Where generated data is cached (default: `outputDirectory/data`).
        public var cacheDirectory: URL?
        /// Draw a progress bar on standard error.
        public var showProgress = true

        /// The paper's setup, writing to `outputDirectory`.
        public init(outputDirectory: URL) {
            self.outputDirectory = outputDirectory
        }
    }

    /// One model's results.
    public struct ModelSummary: Codable, Sendable {
        /// What was trained.
        public var model: String
        /// Trainable values.
        public var parameters: Int
        /// Epochs trained.
        public var epochs: Int
        /// Mean relative L2 error on the test pairs after the last epoch.
        public var testError: Double
        /// Mean relative L2 error on the training pairs during the last epoch.
        public var trainLoss: Double
        /// Mean wall-clock seconds of an epoch's training steps.
        public var secondsPerEpoch: Double
        /// Seconds of training, evaluation included.
        public var trainingSeconds: Double
        /// Per-epoch curves.
        public var history: TrainingHistory
    }

    /// What `experiment.json` holds.
    public struct Summary: Codable, Sendable {
        /// Training pairs.
        public var train: Int
        /// Test pairs.
        public var test: Int
        /// Grid points per sample.
        public var resolution: Int
        /// Grid points the data was solved on.
        public var finePoints: Int
        /// ETDRK4 steps of the data generation.
        public var solverSteps: Int
        /// Seconds spent generating the data (nil when it came from the cache).
        public var generationSeconds: Double?
        /// Mini-batch size.
        public var batchSize: Int
        /// The FNO's results.
        public var fno: ModelSummary
        /// The baseline's results, if it ran.
        public var baseline: ModelSummary?
        /// The FNO's weights (safetensors, the PyTorch reference's names).
        public var fnoWeights: String
        /// The baseline's weights.
        public var baselineWeights: String?
        /// The picture: learning curves and one test prediction.
        public var figure: String
        /// Processor cores the run could use.
        public var cores: Int
        /// Seconds from start to end.
        public var totalSeconds: Double
    }

    /// Runs the experiment and writes `fno_burgers.safetensors`, `mlp_burgers.safetensors`,
    /// `burgers.svg` and `experiment.json` into the output directory.
    ///
    /// - Throws: when the data cache or an output file cannot be read or written.
    public static func run(_ options: Options, log: (String) -> Void) throws -> Summary {
        let start = Date()
        let fm = FileManager.default
        try fm.createDirectory(at: options.outputDirectory, withIntermediateDirectories: true)
        let cache = options.cacheDirectory ?? options.outputDirectory.appendingPathComponent("data")
        let cacheFile = cache.appendingPathComponent(options.data.cacheFileName)
        let cached = fm.fileExists(atPath: cacheFile.path)
        let dataStart = Date()
        let data = try BurgersDataset.load(options.data, cacheDirectory: cache, log: log)
        let generationSeconds = cached ? nil : Date().timeIntervalSince(dataStart)
        let train = FunctionPairs(inputs: data.trainInputs, targets: data.trainTargets)
        let test = FunctionPairs(inputs: data.testInputs, targets: data.testTargets)
        let generator = Generator(seed: options.seed)

        let fno = FNO1d(modes: options.modes, width: options.width, generator: generator)
        let fnoSummary = fit(fno, name: "FNO1d(modes: \(options.modes), width: \(options.width))", label: "FNO",
                             train: train, test: test, options: options.fno, showProgress: options.showProgress,
                             generator: generator, input: { $0.inputWithGridBatch($1) }, log: log)
        let fnoURL = options.outputDirectory.appendingPathComponent("fno_burgers.safetensors")
        try Safetensors.save(fno.stateDict(), to: fnoURL, metadata: ["model": "FNO1d", "modes": "\(options.modes)", "width": "\(options.width)"])

        var baselineSummary: ModelSummary?, baselineURL: URL?, mlp: Module?
        if let baselineOptions = options.baseline {
            let model = fullyConnectedBaseline(points: train.points, hidden: options.baselineHidden, generator: generator)
            baselineSummary = fit(model, name: "MLP(\(train.points)-\(options.baselineHidden)-\(options.baselineHidden)-\(train.points))",
                                  label: "MLP", train: train, test: test, options: baselineOptions,
                                  showProgress: options.showProgress, generator: generator,
                                  input: { $0.inputBatch($1) }, log: log)
            let url = options.outputDirectory.appendingPathComponent("mlp_burgers.safetensors")
            try Safetensors.save(model.stateDict(), to: url)
            baselineURL = url
            mlp = model
        }

        // The picture: learning curves, and the first test pair against both predictions.
        let figureURL = options.outputDirectory.appendingPathComponent("burgers.svg")
        let svg = figure(fno: fno, fnoSummary: fnoSummary, mlp: mlp, mlpSummary: baselineSummary, test: test)
        try Data(svg.utf8).write(to: figureURL, options: .atomic)

        let summary = Summary(
            train: train.count, test: test.count, resolution: train.points, finePoints: options.data.finePoints,
            solverSteps: options.data.steps, generationSeconds: generationSeconds, batchSize: options.fno.batchSize,
            fno: fnoSummary, baseline: baselineSummary, fnoWeights: fnoURL.path, baselineWeights: baselineURL?.path,
            figure: figureURL.path, cores: ProcessInfo.processInfo.activeProcessorCount,
            totalSeconds: Date().timeIntervalSince(start))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(summary).write(to: options.outputDirectory.appendingPathComponent("experiment.json"), options: .atomic)
        return summary
    }

    /// The fully connected baseline: the whole discretised function in, the whole solution out,
    /// `Linear(s, h) – GELU – Linear(h, h) – GELU – Linear(h, s)`, initialised like PyTorch's
    /// `Linear` (U(±1/√in)) from `generator`.
    public static func fullyConnectedBaseline(points: Int, hidden: Int, generator: Generator) -> Sequential {
        let model = Sequential(Linear(points, hidden), GELU(), Linear(hidden, hidden), GELU(), Linear(hidden, points))
        for case let layer as Linear in model.layers {
            let bound = 1 / Double(layer.inFeatures).squareRoot()
            Init.uniform(layer.weight, low: -bound, high: bound, generator: generator)
            if let bias = layer.bias { Init.uniform(bias, low: -bound, high: bound, generator: generator) }
        }
        return model
    }

    private static func fit(
        _ model: Module, name: String, label: String, train: FunctionPairs, test: FunctionPairs,
        options: TrainingOptions, showProgress: Bool, generator: Generator,
        input: (FunctionPairs, [Int]) -> Tensor, log: (String) -> Void
    ) -> ModelSummary {
        log("training \(name): \(model.parameterCount) parameters, \(options.epochs) epochs, batch \(options.batchSize), "
            + "Adam lr \(options.learningRate) wd \(options.weightDecay), StepLR(\(options.stepSize), \(options.gamma))")
        let bar = ProgressBar(label: label, total: options.epochs)
        var lastTest = Double.nan
        let start = Date()
        let history = trainOperator(model, train: train, test: test, options: options, input: input, generator: generator) {
            epoch, step, steps, loss in
            if showProgress {
                bar.update(epoch: epoch, fraction: Double(step) / Double(steps), loss: loss,
                           extra: lastTest.isNaN ? "" : String(format: "test %.5f", lastTest))
            }
        } epochEnd: { lastTest = $0.testError.last ?? .nan }
        let seconds = Date().timeIntervalSince(start)
        let perEpoch = history.epochSeconds.reduce(0, +) / Double(max(1, history.epochSeconds.count))
        if showProgress { bar.finish("done in \(ProgressBar.duration(seconds)), " + String(format: "%.2f s/epoch", perEpoch)) }
        let summary = ModelSummary(
            model: name, parameters: model.parameterCount, epochs: options.epochs,
            testError: history.testError.last ?? .nan, trainLoss: history.trainLoss.last ?? .nan,
            secondsPerEpoch: perEpoch, trainingSeconds: seconds, history: history)
        log("\(label): " + String(format: "relative L2 test error %.5f (train %.5f), %.2f s/epoch", summary.testError,
                                   summary.trainLoss, perEpoch))
        return summary
    }

    private static func figure(fno: Module, fnoSummary: ModelSummary, mlp: Module?, mlpSummary: ModelSummary?,
                               test: FunctionPairs) -> String {
        var curves = SVGPlot.Panel(title: "Learning curves (relative L2)", xLabel: "epoch", yLabel: "relative L2 error", logY: true)
        func epochs(_ values: [Double]) -> [(Double, Double)] { values.enumerated().map { (Double($0.offset + 1), $0.element) } }
        curves.series.append(.init(name: "FNO train", color: "#d62728", points: epochs(fnoSummary.history.trainLoss)))
        curves.series.append(.init(name: "FNO test", color: "#d62728", dash: "5,3", points: epochs(fnoSummary.history.testError)))
        if let mlpSummary {
            curves.series.append(.init(name: "MLP train", color: "#1f77b4", points: epochs(mlpSummary.history.trainLoss)))
            curves.series.append(.init(name: "MLP test", color: "#1f77b4", dash: "5,3", points: epochs(mlpSummary.history.testError)))
        }
        let n = test.points
        let grid = (0..<n).map { Double($0) / Double(n) }
        var sample = SVGPlot.Panel(title: "Test pair 0: u(x, 1)", xLabel: "x", yLabel: "u")
        sample.series.append(.init(name: "truth", color: "#000000", points: Array(zip(grid, test.targets[0..<n].map(Double.init)))))
        let fnoPrediction = predict(fno, on: test, rows: [0]) { $0.inputWithGridBatch($1) }
        sample.series.append(.init(name: "FNO", color: "#d62728", dash: "6,3", points: Array(zip(grid, fnoPrediction))))
        if let mlp {
            let mlpPrediction = predict(mlp, on: test, rows: [0]) { $0.inputBatch($1) }
            sample.series.append(.init(name: "MLP", color: "#1f77b4", dash: "2,2", points: Array(zip(grid, mlpPrediction))))
        }
        var initial = SVGPlot.Panel(title: "Test pair 0: input u0(x)", xLabel: "x", yLabel: "u0")
        initial.series.append(.init(name: "u0", color: "#555555", points: Array(zip(grid, test.inputs[0..<n].map(Double.init)))))
        return SVGPlot.render([curves, sample, initial], panelWidth: 440)
    }
}
