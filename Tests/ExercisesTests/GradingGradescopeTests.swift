import Foundation
import Testing

/// `Examples/Gradescope/run_autograder` against a fake `/autograder` layout.
@Suite("Grading: Gradescope", .disabled(if: underAddressSanitizer, childSuitesSkipUnderASan))
struct GradingGradescopeTests {
    /// A tensor reduction computed in float32: right to 1e-7, so only `values` and `gradients` fail.
    static let float32Answer = """
        import LayerKit

        final class MyReduction: Module {
            let weight: Parameter
            init(_ i: Int, _ k: Int) {
                weight = Parameter(Tensor.randn([i, i, k]))
                super.init()
            }
            override func forward(_ x: Tensor) -> Tensor {
                let i = weight.shape[0], k = weight.shape[2]
                let x32 = x.to(.float32)
                let outer = (x32.unsqueeze(-1) * x32.unsqueeze(-2)).reshape([-1, i * i])
                return outer.matmul(weight.to(.float32).reshape([i * i, k])).reshape(Array(x.shape.dropLast()) + [k]).to(x.dtype)
            }
        }

        let answer = MyReduction.init

        """

    /// The same mistake in PyTorch.
    static let float32PythonAnswer = """
        import torch
        from torch import nn

        class MyReduction(nn.Module):
            def __init__(self, i, k):
                super().__init__()
                self.weight = nn.Parameter(torch.randn(i, i, k))

            def forward(self, x):
                y = torch.einsum("...i,...j,ijk->...k", x.float(), x.float(), self.weight.float())
                return y.to(x.dtype)

        answer = MyReduction

        """

    @Test("run_autograder writes results.json with score, execution_time, output and weighted tests; a stale one is removed first")
    func runAutograder() throws {
        try runAutograder(file: "reduction.swift", answer: Self.float32Answer, first: "compiles")
    }

    @Test("run_autograder grades a PyTorch answer the same way",
          .enabled(if: pythonWithTorch, "no Python with torch: set LAYERKIT_PYTHON to an interpreter that imports torch"))
    func runAutograderPython() throws {
        try runAutograder(file: "reduction.py", answer: Self.float32PythonAnswer, first: "loads")
    }

    func runAutograder(file: String, answer: String, first: String) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("autograder-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        for dir in ["submission", "results", "source"] {
            try fm.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        try answer.write(to: root.appendingPathComponent("submission/\(file)"), atomically: true, encoding: .utf8)
        try #"{"values": 5, "tensor-reduction": {"gradients": 4}}"#
            .write(to: root.appendingPathComponent("source/weights.json"), atomically: true, encoding: .utf8)
        // A results.json written before the grader ran (by anyone) must not survive.
        try #"{"score": 100, "tests": []}"#.write(to: root.appendingPathComponent("results/results.json"), atomically: true, encoding: .utf8)

        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let binary = try #require(Bundle.main.executableURL).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("layerkit")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [package.appendingPathComponent("Examples/Gradescope/run_autograder").path]
        var env = ProcessInfo.processInfo.environment
        env["AUTOGRADER_ROOT"] = root.path
        env["LAYERKIT_BIN"] = binary.path
        env["LAYERKIT_EXERCISE"] = "tensor-reduction"
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()

        let data = try Data(contentsOf: root.appendingPathComponent("results/results.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let tests = try #require(json["tests"] as? [[String: Any]])
        #expect(json["execution_time"] is NSNumber && json["output"] is String)
        for test in tests {
            #expect(test["name"] is String && test["score"] is NSNumber && test["max_score"] is NSNumber
                    && test["output"] is String && test["visibility"] as? String == "visible")
            #expect(["passed", "failed"].contains(test["status"] as? String))
        }
        func test(_ name: String) throws -> [String: Any] {
            try #require(tests.first { $0["name"] as? String == "tensor-reduction: \(name)" }, "no test \(name)")
        }
        #expect(tests.count == 8)
        let values = try test("values")
        #expect(values["status"] as? String == "failed" && (values["max_score"] as? NSNumber)?.doubleValue == 5)
        #expect((values["output"] as? String)?.contains("computed in float32") == true)
        #expect((try test("gradients")["max_score"] as? NSNumber)?.doubleValue == 4)
        #expect(try test(first)["status"] as? String == "passed")
        #expect((json["score"] as? NSNumber)?.doubleValue != 100, "the stale results.json was replaced")
        let earned = tests.compactMap { ($0["score"] as? NSNumber)?.doubleValue }.reduce(0, +)
        let available = tests.compactMap { ($0["max_score"] as? NSNumber)?.doubleValue }.reduce(0, +)
        #expect((json["score"] as? NSNumber)?.doubleValue == earned)
        #expect(earned > 0 && earned < available, "partial credit: \(earned) of \(available)")
    }
}
