import Foundation
import LayerKit

/// One workload's timing, in the JSON shape `bench/compare.py` reads.
struct BenchResult: Codable {
    var name: String
    var median_us: Double
    var min_us: Double
    var reps: Int
    var inner: Int
}

/// Times workloads the way `bench_torch.py` does: warm-up (≥ 3 calls and ≥ 0.2 s), then `reps`
/// samples; a sample repeats a fast call until it lasts about 1 ms; per-call median and minimum.
struct Harness {
    var reps = 30
    var filter: String?
    /// The FFTW planning rigor of the `fourier.*` workloads.
    var fftRigor = FFTPlans.Rigor.measure
    private(set) var results: [BenchResult] = []

    /// `LAYERKIT_BENCH_CALLS=N`: run every selected workload exactly N times, untimed (for
    /// `valgrind --tool=callgrind`, whose counts do not depend on the machine's load).
    static let fixedCalls = ProcessInfo.processInfo.environment["LAYERKIT_BENCH_CALLS"].flatMap { Int($0) }

    /// Whether any workload whose id starts with `group` passes the `--only` filter (setup for
    /// a group is skipped otherwise).
    func wants(_ group: String) -> Bool {
        guard let filter else { return group != "micro" }
        let groups = ["tinyop", "linear", "matmul", "mlp", "centered", "reduction", "fourier", "gradcheck", "safetensors", "grade",
                      "print", "module", "optim", "micro"]
        if let named = groups.first(where: { filter.hasPrefix($0) }) { return named == group }
        return group != "micro"
    }

    mutating func bench(_ name: String, _ body: () -> Void) {
        if let filter, !name.contains(filter) { return }
        if let fixed = Harness.fixedCalls {
            // Instruction counting (valgrind): exactly `fixed` calls, no timing. Two runs with
            // different counts give the per-call cost as their difference.
            for _ in 0..<fixed { body() }
            return
        }
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double {
            Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        var n = 0
        let t0 = clock.now
        while n < 3 || seconds(clock.now - t0) < 0.2 {
            body()
            n += 1
        }
        let per = seconds(clock.now - t0) / Double(n)
        let inner = per < 1e-3 ? max(1, Int(1e-3 / per)) : 1
        var samples: [Double] = []
        for _ in 0..<reps {
            let a = clock.now
            for _ in 0..<inner { body() }
            samples.append(seconds(clock.now - a) / Double(inner) * 1e6)
        }
        samples.sort()
        let mid = samples.count / 2
        let median = samples.count % 2 == 1 ? samples[mid] : 0.5 * (samples[mid - 1] + samples[mid])
        results.append(BenchResult(name: name, median_us: median, min_us: samples[0], reps: reps, inner: inner))
        let line = name.padding(toLength: 34, withPad: " ", startingAt: 0)
        print("\(line) median \(String(format: "%11.2f", median)) us  min \(String(format: "%11.2f", samples[0])) us" + (inner > 1 ? "  [x\(inner)]" : ""))
    }
}
