import Foundation
import Testing
import Exercises
import Grading

/// Runs the `layerkit` binary built beside this test bundle (with `environment` added to the
/// test's own) and returns its exit status and output.
func runLayerKit(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let binary = try #require(Bundle.main.executableURL).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("layerkit")
    try #require(FileManager.default.isExecutableFile(atPath: binary.path), "layerkit is not built at \(binary.path)")
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
    // Standard error goes to a file so that only one pipe needs draining.
    let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("layerkit-test-\(UUID().uuidString).err")
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errURL) }
    let out = Pipe()
    process.standardOutput = out
    process.standardError = try FileHandle(forWritingTo: errURL)
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let errData = try Data(contentsOf: errURL)
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// The grader: every reference passes, every known-wrong answer fails for the right reason.
@Suite("Grading: layerkit grade", .disabled(if: underAddressSanitizer, childSuitesSkipUnderASan))
struct GradingTests {
    /// The reason each known-wrong answer must be rejected with: criterion, and words of the reason.
    static let expectedReasons: [String: (criterion: CriterionID, says: String)] = [
        "detached-weights": (.gradients, "no gradient reached parameter `weight`"),
        "real-part-only": (.imaginaryParts, "imaginary parts are missing"),
        "all-coefficients": (.outputShape, "all n coefficients"),
        "wrong-axis": (.outputShape, "transform the last axis"),
        "same-index": (.values, "two different indices"),
        "plain-property-weight": (.parameters, "no Parameter found: keep W (in·in·out = 48 numbers) in a Parameter property"),
        "crashes-on-batch-1": (.outputShape, "on input [1, 4] — "),
        "unregistered-children": (.parameters, "cannot see the blocks"),
        "same-instance": (.independentInstances, "share parameters"),
        "detached-branch": (.bothBranchesGetGradients, "no gradient reached net2"),
        "row-mean": (.values, "not a per-row mean"),
        "one-instance-short": (.independentInstances, "called 2 time(s); the network needs n = 3"),
        "orthonormal": (.values, "the output is the reference scaled by 1/√n"),
        "forward-normalised": (.values, "the output is the reference scaled by 1/n ="),
        "conjugated": (.values, "the complex conjugate of the reference"),
        "re-im-swapped": (.values, "(re, im) are in the wrong order"),
        "all-zeros": (.values, "the output is all zeros"),
        "float32-inside": (.values, "computed in float32"),
        "rows-mixed": (.values, "rows of a batch depend on other rows"),
        "dropout-left-in": (.values, "two calls on the same input give different outputs"),
        "weight-in-by-out": (.parameters, "the weight `weight` [4, 3] holds 12 numbers; W_ijk needs in·in·out = 4·4·3 = 48"),
        // Reasons that are never wrong (issue 20): one known-wrong answer per reason class.
        "symmetrised-twice": (.values, "the output is the reference scaled by 2, the same factor for every input and at every size tried"),
        "standardised": (.values, "a multiple of the reference for each input, but not by a constant"),
        "column-mean": (.values, "subtracts the mean over axis 0 — each column's mean, taken across the batch"),
        "relu-added": (.values, "the output is relu(the expected output): its negative entries are set to 0"),
        "relu-missing": (.values, "the output is x·W + b with no ReLU"),
        "bias-after-relu": (.values, "the output is relu(x·W) + b: the bias is added after the ReLU"),
        "dc-dropped": (.values, "every bin is shifted by one: the output holds X_1 … X_8, so the DC bin X_0 is dropped"),
        "trailing-half": (.values, "the output holds X_8 … X_15, the trailing half of the full DFT"),
        "mean-removed": (.values, "every bin but X_0 matches, and X_0 is 0: the input's mean is removed before the transform"),
        "detached-mean": (.gradients, "differs although the output is right: the gradients are not those of your own output"),
        "sorted-by-name": (.values, "with 12 blocks (with 3 blocks, 1 block, 2 blocks and 5 blocks it is right): the blocks ran in the order of their names sorted as text"),
        "registered-twice": (.stateDictNames, "every block is registered twice: under its index by addModule (keys 0.weight …) and again under `order` (keys order.0.weight …)"),
    ]

    /// Reasons of the other criteria a known-wrong answer fails, which follow from its mistake:
    /// a gradient, another size or a finite difference is never blamed on a backward the
    /// learner did not write when the forward is already wrong.
    static let consequentReasons: [String: [(criterion: CriterionID, says: String)]] = [
        "orthonormal": [(.gradients, "differs; this follows from the values"), (.oddLengths, "this follows from the values: it already differs for n = 16"),
                        (.imaginaryParts, "scaled by 1/√n = 0.25 (n = 16, the input's length; 0.2887 at n = 12)")],
        "row-mean": [(.gradients, "this follows from the values")],
        "column-mean": [(.gradients, "this follows from the values")],
        "standardised": [(.gradients, "this follows from the values")],
        "relu-missing": [(.gradients, "this follows from the values")],
        "all-zeros": [(.gradients, "no gradient reached the input because the output does not change when it does; this follows from the values")],
        "dropout-left-in": [(.gradcheck, "two calls on the same input give different outputs"), (.gradients, "this follows from the values")],
        "float32-inside": [(.gradcheck, "only to float32 precision")],
        "same-index": [(.gradients, "this follows from the values"), (.smallSizes, "this follows from the values")],
        "symmetrised-twice": [(.gradients, "this follows from the values"), (.smallSizes, "this follows from the values")],
        "dc-dropped": [(.gradients, "this follows from the values"), (.imaginaryParts, "the DC bin X_0 is dropped")],
        "detached-weights": [(.gradcheck, "autograd gives 0 where the output does change")],
        "detached-mean": [(.gradcheck, "autograd gives 0 where the output does change")],
    ]

    /// Words no reason of a known-wrong answer may contain: a size-named factor that was never
    /// confirmed, a constant that is not one, an axis that is not the candidate's, a backward
    /// the learner never wrote.
    static let neverSays: [String: [String]] = [
        "symmetrised-twice": ["√", "in/2"],
        "standardised": ["a constant factor", "scaled by"],
        "column-mean": ["per-row"],
        "*": ["compare your backward", "check the gradient formula"],
    ]

    @Test("layerkit grade --json: references pass, each known-wrong answer is caught for its reason, exit 0")
    func gradeEverything() throws {
        let (status, stdout, stderr) = try runLayerKit(["grade", "--json", "--seed", "3"])
        #expect(status == 0, "stderr: \(stderr)")
        let run = try JSONDecoder().decode(GradingRun.self, from: Data(stdout.utf8))
        #expect(run.allRight && run.seed == 3)
        #expect(stderr.contains("[1/\(run.reports.count)]"), "progress is shown on standard error")
        #expect(Set(run.reports.map(\.exercise)) == Set(Exercise.allCases.map(\.rawValue)))
        for report in run.reports where report.kind == .reference {
            #expect(report.passedAll, "\(report.table)")
        }
        let wrong = run.reports.filter { $0.kind == .knownWrong }
        #expect(Set(wrong.map(\.candidate)) == Set(Self.expectedReasons.keys))
        for report in wrong {
            let expected = try #require(Self.expectedReasons[report.candidate])
            let line = try #require(report.results.first { $0.id == expected.criterion })
            #expect(!line.passed, "\(report.candidate) should fail \(expected.criterion)")
            #expect(line.reason?.contains(expected.says) == true, "\(report.candidate): \(line.reason ?? "no reason")")
            for (criterion, says) in Self.consequentReasons[report.candidate] ?? [] {
                let other = try #require(report.results.first { $0.id == criterion })
                #expect(!other.passed && other.reason?.contains(says) == true,
                        "\(report.candidate), \(criterion): \(other.reason ?? "no reason")")
            }
            for words in (Self.neverSays[report.candidate] ?? []) + Self.neverSays["*"]! {
                for result in report.results {
                    #expect(result.reason?.contains(words) != true, "\(report.candidate), \(result.id) says \"\(words)\": \(result.reason ?? "")")
                }
            }
        }
        #expect(Set(Self.consequentReasons.keys).isSubset(of: Set(Self.expectedReasons.keys)))
    }

    @Test("A table by default; bad options are refused with a message")
    func tableAndErrors() throws {
        let (status, stdout, _) = try runLayerKit(["grade", "--exercise", "my-linear"])
        #expect(status == 0)
        #expect(stdout.contains("== my-linear") && stdout.contains("detached-weights [known-wrong]  5/7  caught"))
        #expect(stdout.contains("✘ gradients"))
        let bad = try runLayerKit(["grade", "--exercise", "nope"])
        #expect(bad.status != 0 && bad.stderr.contains("unknown exercise 'nope'"))
    }
}

// A learner's own answers, graded through the API without touching LayerKit's sources.

/// A learner's tensor reduction with the weight as `[out, in, in]` and a per-output loop over
/// `x·W_k·xᵀ`: slower, but right.
final class LearnerReduction: Module {
    let kernel: Parameter
    init(_ i: Int, _ k: Int) {
        kernel = Parameter(Tensor.randn([k, i, i]))
        super.init()
    }
    override func forward(_ x: Tensor) -> Tensor {
        let k = kernel.shape[0]
        let columns = (0..<k).map { o in
            (x.matmul(kernel.select(axis: 0, index: o)) * x).sum(axis: -1, keepDims: true)
        }
        return Tensor.concat(columns, axis: -1)
    }
}

@Suite("Grading: a learner's own candidate")
struct LearnerGradingTests {
    @Test("A right answer in the [out, in, in] layout passes every criterion")
    func learnerReductionPasses() {
        let report = grade(.tensorReduction("learner") { i, k in LearnerReduction(i, k) })
        #expect(report.passedAll, "\(report.table)")
        #expect(report.kind == .learner && report.verdictIsRight)
    }

    @Test("A learner's Fourier layer that forgets the imaginary part is told why")
    func learnerFourierFails() throws {
        final class RealOnly: Module {
            override func forward(_ x: Tensor) -> Tensor {
                x.rfft().narrow(axis: -2, start: 0, length: x.shape.last! / 2).select(axis: -1, index: 0)
            }
        }
        let report = grade(.fourierHalfSpectrum("learner") { RealOnly() })
        #expect(!report.verdictIsRight)
        let line = try #require(report.results.first { $0.id == .imaginaryParts })
        #expect(!line.passed && line.reason!.contains(".real alone drops them"))
    }

    @Test("Grading is repeatable: the same seed gives the same figures")
    func repeatable() {
        let candidate = Candidate.tensorReduction("ref") { TensorReduction(inFeatures: $0, outFeatures: $1) }
        // Verdicts, reasons and figures repeat; differences at the 1e-16 level (a threaded
        // BLAS may add in another order on a loaded machine) are read as rounding, not as
        // the grade changing.
        func normalised(_ report: GradeReport) -> [String] {
            report.results.map { r in
                let figure = r.figure.replacingOccurrences(
                    of: #"[0-9.]+e-(1[3-9]|[2-9][0-9]|[1-9][0-9]{2})"#, with: "≈0", options: .regularExpression)
                return "\(r.id) \(r.passed) \(figure) \(r.reason ?? "")"
            }
        }
        let first = grade(candidate, seed: 5), second = grade(candidate, seed: 5)
        #expect(normalised(first) == normalised(second))
        #expect(first.results.map(\.passed) == second.results.map(\.passed))
    }
}
