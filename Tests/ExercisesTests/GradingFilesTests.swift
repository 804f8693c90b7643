import Foundation
import Testing
@testable import Grading

/// Answer files: compiled against the grader's build, graded in a child, reported per file.
@Suite("Grading: answer files", .disabled(if: underAddressSanitizer, childSuitesSkipUnderASan))
struct GradingFilesTests {
    /// A right tensor reduction with debug prints, weight `[out, in, in]`.
    static let rightAnswer = """
        import LayerKit

        final class QuadraticForms: Module {
            let kernel: Parameter
            init(inFeatures: Int, outFeatures: Int) {
                kernel = Parameter(Tensor.randn([outFeatures, inFeatures, inFeatures]))
                super.init()
            }
            override func forward(_ x: Tensor) -> Tensor {
                print("debug: x \\(x.shape)")
                let columns = (0..<kernel.shape[0]).map { k in
                    (x.matmul(kernel.select(axis: 0, index: k)) * x).sum(axis: -1, keepDims: true)
                }
                return Tensor.concat(columns, axis: -1)
            }
        }

        let answer = QuadraticForms.init(inFeatures:outFeatures:)

        """

    @Test("A folder of submissions: right, compile error, empty, non-UTF-8, no answer, a sub-folder; summary and CSV")
    func folderRun() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("layerkit-files-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("submissions")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("two-files"), withIntermediateDirectories: true)
        try Self.rightAnswer.write(to: folder.appendingPathComponent("right.swift"), atomically: true, encoding: .utf8)
        try Self.rightAnswer.replacingOccurrences(of: "kernel.shape[0]", with: "kernel.shape[0] +")
            .write(to: folder.appendingPathComponent("typo.swift"), atomically: true, encoding: .utf8)
        try Data().write(to: folder.appendingPathComponent("empty.swift"))
        try Data("import LayerKit\n// R\u{E9}duction\n".utf8.map { $0 == 0xC3 ? 0xE9 : $0 }.filter { $0 != 0xA9 })
            .write(to: folder.appendingPathComponent("latin1.swift"))
        try "import LayerKit\nfinal class Nameless: Module {}\n"
            .write(to: folder.appendingPathComponent("nameless.swift"), atomically: true, encoding: .utf8)
        let parts = Self.rightAnswer.components(separatedBy: "let answer")
        try parts[0].write(to: folder.appendingPathComponent("two-files/Layer.swift"), atomically: true, encoding: .utf8)
        try ("import LayerKit\nlet answer" + parts[1])
            .write(to: folder.appendingPathComponent("two-files/Answer.swift"), atomically: true, encoding: .utf8)
        let csv = dir.appendingPathComponent("summary.csv")

        let (status, stdout, stderr) = try runLayerKit(["grade", "--exercise", "tensor-reduction", folder.path,
                                                        "--json", "--csv", csv.path])
        #expect(status == 0, "stderr: \(stderr)")
        let run = try JSONDecoder().decode(GradingRun.self, from: Data(stdout.utf8))
        func report(_ name: String) throws -> GradeReport { try #require(run.reports.first { $0.candidate == name }) }
        #expect(run.reports.map(\.candidate) == ["empty.swift", "latin1.swift", "nameless.swift", "right.swift", "two-files", "typo.swift"])

        for name in ["right.swift", "two-files"] {
            let r = try report(name)
            #expect(r.passedAll && r.results[0].id == .compiles, "\(r.table)")
        }
        #expect(try report("right.swift").output?.contains("debug: x [1, 4]") == true)

        let typo = try report("typo.swift")
        #expect(typo.results[0].figure == "does not compile")
        #expect(typo.results[0].reason?.contains("typo.swift:11:") == true, "\(typo.results[0].reason ?? "")")
        #expect(typo.results.dropFirst().allSatisfy { $0.figure == "not run" })
        #expect(try report("empty.swift").results[0].reason?.contains("the submission is empty") == true)
        #expect(try report("latin1.swift").results[0].reason?.contains("is not UTF-8 text (byte 0xE9") == true)
        #expect(try report("nameless.swift").results[0].reason?.contains("nothing is named `answer`") == true)

        let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 7)
        #expect(rows[0].hasPrefix("exercise,submission,score,total,passed,seconds,compiles,output shape"))
        #expect(rows.contains { $0.hasPrefix("tensor-reduction,right.swift,8,8,yes,") })
        #expect(rows.contains { $0.hasPrefix("tensor-reduction,typo.swift,0,8,no,") })
    }
}

/// What a compiled answer's child is made of.
@Suite("Grading: the child of an answer file", .disabled(if: underAddressSanitizer, childSuitesSkipUnderASan))
struct GradingChildBinaryTests {
    @Test("A compiled answer's child links LayerKit and the child's protocol only: no symbol of Grading or of the reference solutions")
    func childSymbols() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerkit-symbols-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let compiler = try SubmissionCompiler(exercise: .tensorReduction, scratch: scratch.appendingPathComponent("compiler"))
        let folder = scratch.appendingPathComponent("submission")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let submission = Submission(name: "right.swift", language: .swift, files: [("right.swift", Data(GradingFilesTests.rightAnswer.utf8))])
        guard case .compiled(let child) = compiler.compile(submission, in: folder) else {
            Issue.record("the right answer does not compile")
            return
        }
        let nm = URL(fileURLWithPath: compiler.settings.swiftc).deletingLastPathComponent().appendingPathComponent("llvm-nm")
        let run = runLimited(nm.path, ["--defined-only", child.path], environment: nil,
                             limits: SandboxLimits(addressSpace: nil, cpuSeconds: 60, processes: nil, fileSize: nil, openFiles: nil, temporaryBytes: 0),
                             timeout: .seconds(120), outputCap: 64 << 20)
        let symbols = run.output.split(separator: "\n")
        #expect(run.termination == .exited(0) && symbols.count > 1000, "llvm-nm: \(run.output.prefix(500))")
        #expect(symbols.contains { $0.contains("$s8LayerKit") } && symbols.contains { $0.contains("$s13LayerKitChild") })
        let forbidden = symbols.filter { $0.contains("$s7Grading") || $0.contains("$s9Exercises") || $0.contains("ArgumentParser") }
        #expect(forbidden.isEmpty, "\(forbidden.prefix(10))")
    }
}
