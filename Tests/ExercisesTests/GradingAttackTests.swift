import Foundation
import Testing
@testable import Grading

/// The attack suite (`Examples/Attacks`): answer files that try to pass without solving the
/// exercise or to harm the grader and the other submissions. Each file says the verdict it
/// must get (`// verdict: pass`, or `// verdict: fail <criterion> — <words of the reason>`).
/// They are graded in one folder run between two right answers, under each sandbox this
/// machine has; the run must finish, every verdict must be the file's, the right answers must
/// pass, and nothing of the course's folder, the grader's environment or the machine may leak
/// or change.
@Suite("Grading: the attack suite", .disabled(if: underAddressSanitizer, childSuitesSkipUnderASan))
struct GradingAttackTests {
    @Test("Every attack gets its verdict under bubblewrap; the right answers around them pass; nothing leaks or changes",
          .enabled(if: Isolation.bubblewrap.unavailableReason() == nil, "bubblewrap cannot run here (install it: bash .ci/install-deps)"))
    func underBubblewrap() throws { try runSuite(.bubblewrap) }

    @Test("Every attack gets its verdict under the dedicated-user fallback; the right answers around them pass; nothing leaks or changes",
          .enabled(if: Isolation.user.unavailableReason() == nil, "the user fallback needs root and the layerkit-learner user (bash .ci/install-deps as root)"))
    func underSeparateUser() throws { try runSuite(.user) }

    /// A right answer per exercise, graded before and after the attacks.
    static let right = [
        "centered-layer": """
            import LayerKit

            final class Centered: Module {
                override func forward(_ x: Tensor) -> Tensor { x - x.mean() }
            }

            let answer = Centered.init

            """,
        "tensor-reduction": GradingFilesTests.rightAnswer,
    ]

    /// The verdict a file's `verdict:` line asks for.
    struct Verdict {
        var passes: Bool
        var failing: CriterionID?
        var says: String?

        init(_ file: String) throws {
            let line = try #require(file.split(separator: "\n").first { $0.contains("verdict: ") }, "no verdict line")
            let text = line.components(separatedBy: "verdict: ")[1]
            passes = text == "pass"
            guard !passes else { return }
            let parts = String(text.dropFirst("fail ".count)).components(separatedBy: " — ")
            guard let id = CriterionID(rawValue: parts[0]) else {
                Issue.record("unknown criterion in \(line)")
                return
            }
            failing = id
            says = parts.count > 1 ? parts[1] : nil
        }

        /// Records an issue unless `report` has this verdict.
        func check(_ report: GradeReport, _ label: String) {
            if passes {
                #expect(report.passedAll, "\(label) must pass: \(report.table)")
                return
            }
            let line = report.results.first { $0.id == failing }
            #expect(line?.passed == false, "\(label) must fail \(failing?.name ?? ""): \(report.table)")
            if let says {
                #expect(line?.reason?.contains(says) == true, "\(label): the reason must say “\(says)”: \(report.table)")
            }
        }
    }

    func runSuite(_ isolation: Isolation) throws {
        let python = (try? PythonRuntime.find(explicit: nil)) != nil
        let attacks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Examples/Attacks")
        for exercise in try FileManager.default.contentsOfDirectory(atPath: attacks.path).sorted() {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("layerkit-attacks-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: root) }
            let folder = root.appendingPathComponent("course-\(exercise)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var expected: [String: Verdict] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: attacks.appendingPathComponent(exercise).path) {
                if name.hasSuffix(".py") && !python { continue }
                let source = try String(contentsOf: attacks.appendingPathComponent(exercise).appendingPathComponent(name), encoding: .utf8)
                expected[name] = try Verdict(source)
                try source.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
            // A right answer first and last, one named with terminal escapes, and two symbolic links.
            let rightNames = ["00-right-before.swift", "zz-right-after.swift", "esc\u{1B}[31mred\u{7}.swift"]
            let right = try #require(Self.right[exercise], "no right answer for \(exercise)")
            for name in rightNames { try right.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
            try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("link-to-right.swift").path,
                                                       withDestinationPath: folder.appendingPathComponent("00-right-before.swift").path)
            try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("passwd.swift").path,
                                                       withDestinationPath: "/etc/passwd")
            // Beyond the size cap: 2 MiB of comments.
            try Data(("// " + String(repeating: "x", count: 1 << 21) + "\n" + right).utf8)
                .write(to: folder.appendingPathComponent("huge.swift"))
            let outputs = root.appendingPathComponent("outputs")
            try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
            let before = try fingerprint(folder)
            let canary = "canary-\(UUID().uuidString)"

            let csv = outputs.appendingPathComponent("summary.csv"), gradescope = outputs.appendingPathComponent("results.json")
            let (status, stdout, stderr) = try runLayerKit(["grade", "--exercise", exercise, folder.path, "--json", "--isolation", isolation.rawValue,
                                                            "--timeout", "20", "--csv", csv.path, "--gradescope", gradescope.path],
                                                           environment: ["LAYERKIT_TEST_CANARY": canary])
            #expect(status == 0, "the run must finish: \(stderr.suffix(2000))")
            let run = try JSONDecoder().decode(GradingRun.self, from: Data(stdout.utf8))
            func report(_ name: String) throws -> GradeReport { try #require(run.reports.first { $0.candidate == name }, "no report for \(name)") }

            for name in rightNames {
                let r = try report(name)
                #expect(r.passedAll && r.isolation == isolation, "\(isolation) \(name): \(r.table)")
            }
            // The run's files are all written: a row per submission, a test per criterion.
            let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
            #expect(rows.count == run.reports.count + 1)
            let results = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: gradescope)) as? [String: Any])
            #expect((results["tests"] as? [Any])?.count == run.reports.map(\.results.count).reduce(0, +))
            #expect(try report("huge.swift").results[0].reason?.contains("is larger than 1024 KiB") == true)
            for link in ["link-to-right.swift", "passwd.swift"] {
                let r = try report(link)
                #expect(!r.passedAll && r.results[0].reason?.contains("is a symbolic link") == true, "\(r.table)")
            }
            for (name, verdict) in expected.sorted(by: { $0.key < $1.key }) {
                verdict.check(try report(name), "\(isolation) \(name)")
            }
            // Nothing leaked: no grader environment, no course or home files, no escapes on screen.
            let everything = run.reports.map { $0.table + ($0.output ?? "") }.joined(separator: "\n")
            #expect(!everything.contains(canary), "the grader's environment reached a child")
            #expect(!everything.contains("FOUND-FILE") && !everything.contains("SABOTAGED 1"), "a child saw the machine's files:\n\(everything)")
            #expect(!everything.contains("\u{1B}") && everything.contains("\\u{1B}"), "escapes are shown escaped")
            #expect(try fingerprint(folder) == before, "the course's folder changed")
            #expect(leftovers().isEmpty, "processes survived the run: \(leftovers())")
        }
    }

    /// Every file under `folder` with its contents' hash, symbolic links by target.
    func fingerprint(_ folder: URL) throws -> [String: String] {
        var result: [String: String] = [:]
        let manager = FileManager.default
        for name in try manager.subpathsOfDirectory(atPath: folder.path) {
            let path = folder.appendingPathComponent(name).path
            if let target = try? manager.destinationOfSymbolicLink(atPath: path) {
                result[name] = "link " + target
            } else if let data = manager.contents(atPath: path) {
                result[name] = "\(data.count) \(data.hashValue)"
            }
        }
        return result
    }

    /// Processes the attacks started that are still running (their arguments are unique).
    func leftovers() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let line = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            return line.contains("617.25") || line.contains("619.5") ? "\(pid): \(line)" : nil
        }
    }
}
