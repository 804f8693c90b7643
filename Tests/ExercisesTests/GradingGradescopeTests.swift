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

    @Test("run_autograder writes results.json with score, execution_time, output and weighted tests")
    func runAutograder() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("autograder-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        for dir in ["submission", "results", "source"] {
            try fm.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        try Self.float32Answer.write(to: root.appendingPathComponent("submission/reduction.swift"), atomically: true, encoding: .utf8)
        try #"{"values": 5, "tensor-reduction": {"gradients": 4}}"#
            .write(to: root.appendingPathComponent("source/weights.json"), atomically: true, encoding: .utf8)

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
        #expect(try test("compiles")["status"] as? String == "passed")
        let earned = tests.compactMap { ($0["score"] as? NSNumber)?.doubleValue }.reduce(0, +)
        let available = tests.compactMap { ($0["max_score"] as? NSNumber)?.doubleValue }.reduce(0, +)
        #expect((json["score"] as? NSNumber)?.doubleValue == earned)
        #expect(earned > 0 && earned < available, "partial credit: \(earned) of \(available)")
    }
}
