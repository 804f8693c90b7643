import Foundation
import Testing
@testable import Grading

/// Whether a Python with torch is there (`LAYERKIT_PYTHON`, else `python3` on PATH).
let pythonWithTorch: Bool = (try? PythonRuntime.find(explicit: nil)) != nil

/// PyTorch answer files, graded through the same protocol and specs as Swift ones: the
/// seeds' own code, PyTorch's own mistakes, the twin of every known-wrong answer, and files
/// that are not answers at all.
@Suite("Grading: PyTorch answers", .disabled(if: underAddressSanitizer, childSuitesSkipUnderASan),
       .enabled(if: pythonWithTorch, "no Python with torch: set LAYERKIT_PYTHON to an interpreter that imports torch (.ci/run installs one)"))
struct GradingPythonTests {
    /// `PythonAnswers/<group>` in the test bundle.
    static func answers(_ group: String) throws -> URL {
        try #require(Bundle.module.url(forResource: group, withExtension: nil, subdirectory: "PythonAnswers"), "no PythonAnswers/\(group)")
    }

    /// Grades the files of `folder` whose names start with `exercise.` (one folder run) and returns the reports by file name.
    static func grade(_ files: [URL], exercise: String) throws -> [String: GradeReport] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("layerkit-py-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in files { try FileManager.default.copyItem(at: file, to: folder.appendingPathComponent(file.lastPathComponent)) }
        let (status, stdout, stderr) = try runLayerKit(["grade", "--exercise", exercise, folder.path, "--json"])
        #expect(status == 0, "stderr: \(stderr.suffix(2000))")
        let run = try JSONDecoder().decode(GradingRun.self, from: Data(stdout.utf8))
        return Dictionary(uniqueKeysWithValues: run.reports.map { ($0.candidate, $0) })
    }

    @Test("The seeds' own code and PyTorch's own mistakes (.data, a Python list, torch.no_grad(), x.numpy()) get their verdicts")
    func seedsAndMistakes() throws {
        var byExercise: [String: [URL]] = [:]
        for group in ["seeds", "mistakes"] {
            let folder = try Self.answers(group)
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
                byExercise[String(name.prefix { $0 != "." }), default: []].append(folder.appendingPathComponent(name))
            }
        }
        for (exercise, files) in byExercise.sorted(by: { $0.key < $1.key }) {
            let reports = try Self.grade(files, exercise: exercise)
            for file in files {
                let verdict = try GradingAttackTests.Verdict(try String(contentsOf: file, encoding: .utf8))
                let report = try #require(reports[file.lastPathComponent])
                #expect(report.results[0].id == .loads && report.results[0].passed, "\(report.table)")
                verdict.check(report, file.lastPathComponent)
            }
        }
    }

    @Test("Every known-wrong answer's PyTorch twin is rejected by the same criterion, for the same reason")
    func knownWrongTwins() throws {
        let root = try Self.answers("known-wrong")
        for exercise in try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() {
            let folder = root.appendingPathComponent(exercise)
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).map { folder.appendingPathComponent($0) }
            let reports = try Self.grade(files, exercise: exercise)
            for file in files {
                let name = file.deletingPathExtension().lastPathComponent
                let expected = try #require(GradingTests.expectedReasons[name], "no Swift twin named \(name)")
                let report = try #require(reports[file.lastPathComponent])
                let line = try #require(report.results.first { $0.id == expected.criterion })
                #expect(!line.passed, "\(exercise)/\(name) should fail \(expected.criterion.name): \(report.table)")
                // The same words, with LayerKit's API named as torch names it.
                let says = PyTorchWording.apply(expected.says)
                #expect(line.reason?.contains(says) == true, "\(exercise)/\(name): “\(says)” in \(line.reason ?? "no reason")")
            }
        }
    }

    @Test("Not Python, a syntax error, an import error, no answer, sys.exit at import: `loads` fails with the traceback's last lines")
    func notAnswers() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("layerkit-py-bad-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let files = [
            "swift.py": "import LayerKit\nlet answer = MyLayer.init\n",
            "syntax.py": "import torch\nclass Layer(torch.nn.Module):\n    def forward(self, x) return x\nanswer = Layer\n",
            "imports.py": "import tensorflow as tf\nanswer = tf.keras.layers.Dense\n",
            "nameless.py": "import torch\nclass Layer(torch.nn.Module):\n    def forward(self, x):\n        return x - x.mean()\n",
            "not-callable.py": "answer = 42\n",
            "exits.py": "import sys\nsys.exit(3)\n",
        ]
        for (name, text) in files { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let reports = try Self.grade(files.keys.map { folder.appendingPathComponent($0) }, exercise: "centered-layer")
        let says = ["swift.py": "SyntaxError", "syntax.py": "line 3", "imports.py": "No module named 'tensorflow'",
                    "nameless.py": "nothing is named `answer`", "not-callable.py": "not a callable", "exits.py": "SystemExit: 3"]
        for (name, words) in says {
            let report = try #require(reports[name])
            #expect(report.results[0].id == .loads && !report.results[0].passed, "\(report.table)")
            #expect(report.results[0].reason?.contains(words) == true, "\(name): \(report.results[0].reason ?? "")")
            #expect(report.results.dropFirst().allSatisfy { $0.figure == "not run" })
        }
    }
}

/// Without torch the run stops before grading, with one line saying what to install.
@Suite("Grading: PyTorch answers without torch", .disabled(if: underAddressSanitizer, childSuitesSkipUnderASan))
struct GradingPythonMissingTests {
    /// An interpreter that cannot import torch: the system's Python, when it has none.
    static let withoutTorch: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { path in
        guard FileManager.default.isExecutableFile(atPath: path) else { return false }
        return (try? PythonRuntime.find(explicit: path)) == nil
    }

    @Test("A .py answer with a Python lacking torch: exit status 1, one line naming torch and how to install it",
          .enabled(if: withoutTorch != nil, "no Python without torch to try"))
    func noTorch() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("layerkit-notorch-\(UUID().uuidString).py")
        defer { try? FileManager.default.removeItem(at: file) }
        try "answer = None\n".write(to: file, atomically: true, encoding: .utf8)
        let (status, stdout, stderr) = try runLayerKit(["grade", "--exercise", "centered-layer", file.path, "--python", Self.withoutTorch ?? ""])
        #expect(status != 0 && stdout.isEmpty, "nothing graded")
        #expect(stderr.contains("cannot import torch") && stderr.contains("pip install torch"), "\(stderr)")
    }
}
