// layerkit-bench: times the workloads of bench/bench_torch.py (same ids, same timing rules; the
// ids are listed in Notes/benchmarks.md) and writes the JSON that bench/compare.py reads.
//
//   swift build -c release --product layerkit-bench --scratch-path .build-release
//   .build-release/release/layerkit-bench --threads 2 --out layerkit_t2.json [--only tinyop] [--reps 30]
//   .build-release/release/layerkit-bench --memory [--steps 10000]     (resident memory of MLP training)
import CBLAS
import Foundation
import Grading
import LayerKit

// `grade.tensor-reduction.child` runs this executable as the grader's child process.
if ProcessInfo.processInfo.environment["LAYERKIT_GRADE_CHILD"] != nil { GradeCommand.main([]) }

var threads = 2
var outPath: String?
var harness = Harness()
var memoryMode = false
var memorySteps = 10_000
var explainMode = false
var levelsMode = false
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let arg = arguments.next() {
    switch arg {
    case "--threads": threads = Int(arguments.next() ?? "") ?? 2
    case "--out": outPath = arguments.next()
    case "--only": harness.filter = arguments.next()
    case "--reps": harness.reps = Int(arguments.next() ?? "") ?? 30
    case "--fftw-rigor":
        switch arguments.next() {
        case "estimate": harness.fftRigor = .estimate
        case "patient": harness.fftRigor = .patient
        default: harness.fftRigor = .measure
        }
    case "--memory": memoryMode = true
    case "--steps": memorySteps = Int(arguments.next() ?? "") ?? 10_000
    case "--explain": explainMode = true
    case "--levels": levelsMode = true
    default:
        FileHandle.standardError.write("usage: layerkit-bench [--threads N] [--out FILE.json] [--only SUBSTRING] [--reps N] [--fftw-rigor estimate|measure|patient] | --memory [--steps N] | --explain | --levels\n".data(using: .utf8)!)
        exit(2)
    }
}
if levelsMode {
    // The CPU's SIMD level and the levels the test suite runs the kernels at here (.ci/run).
    print("CPU \(SIMDLevel.cpu); kernels tested at \(SIMDLevel.allCases.filter { $0 <= SIMDLevel.cpu }.map(\.description).joined(separator: ", "))")
    exit(0)
}
setenv("LAYERKIT_NUM_THREADS", String(threads), 1)
print("layerkit-bench: threads \(threads), OpenBLAS \(String(cString: openblas_get_config()))")
if String(cString: openblas_get_config()).contains("Prescott") && ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil {
    // OpenBLAS fell back to its SSE3 kernels (a CPU newer than the library): GEMMs run ~9× slow.
    FileHandle.standardError.write(Data("layerkit-bench: OpenBLAS runs its generic Prescott kernels on this CPU; set OPENBLAS_CORETYPE (e.g. SkylakeX or Haswell) for both sides of a comparison (Notes/benchmarks.md)\n".utf8))
}

if explainMode {
    explainWorkloads(threads: threads)
    exit(0)
}
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
