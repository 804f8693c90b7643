// layerkit-bench: times the workloads of shared/bench-ref/README.md (same ids, same timing rules)
// and writes the JSON that shared/bench-ref/compare.py reads.
//
//   swift build -c release --product layerkit-bench --scratch-path .build-release -Xcc -march=native
//   .build-release/release/layerkit-bench --threads 2 --out layerkit_t2.json [--only tinyop] [--reps 30]
//   .build-release/release/layerkit-bench --memory [--steps 10000]     (resident memory of MLP training)
import CBLAS
import Foundation
import LayerKit

var threads = 2
var outPath: String?
var harness = Harness()
var memoryMode = false
var memorySteps = 10_000
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let arg = arguments.next() {
    switch arg {
    case "--threads": threads = Int(arguments.next() ?? "") ?? 2
    case "--out": outPath = arguments.next()
    case "--only": harness.filter = arguments.next()
    case "--reps": harness.reps = Int(arguments.next() ?? "") ?? 30
    case "--memory": memoryMode = true
    case "--steps": memorySteps = Int(arguments.next() ?? "") ?? 10_000
    default:
        FileHandle.standardError.write("usage: layerkit-bench [--threads N] [--out FILE.json] [--only SUBSTRING] [--reps N] | --memory [--steps N]\n".data(using: .utf8)!)
        exit(2)
    }
}
openblas_set_num_threads(Int32(threads))
setenv("LAYERKIT_NUM_THREADS", String(threads), 1)
print("layerkit-bench: threads \(threads), OpenBLAS \(String(cString: openblas_get_config()))")

if memoryMode {
    runMemory(steps: memorySteps)
    exit(0)
}
runWorkloads(&harness)
runResearchWorkloads(&harness)
runBilinearMicro(&harness)

if let outPath {
    struct Report: Codable {
        var meta: [String: String]
        var results: [BenchResult]
    }
    let meta = ["threads": String(threads), "library": "LayerKit", "blas": String(cString: openblas_get_config())]
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    do {
        try encoder.encode(Report(meta: meta, results: harness.results)).write(to: URL(fileURLWithPath: outPath), options: .atomic)
        print("wrote \(outPath)")
    } catch {
        FileHandle.standardError.write("layerkit-bench: could not write \(outPath): \(error)\n".data(using: .utf8)!)
        exit(1)
    }
}
