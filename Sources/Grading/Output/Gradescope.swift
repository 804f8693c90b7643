import Foundation

/// Gradescope's autograder results (`/autograder/results/results.json`): a total score, the
/// run's time, a text shown to the learner, and one test per criterion with partial credit.
public struct GradescopeResults: Codable, Sendable {
    /// One criterion, as a Gradescope test.
    public struct Test: Codable, Sendable {
        /// `exercise: criterion` (prefixed by the submission's name when a run has several).
        public var name: String
        /// Points earned.
        public var score: Double
        /// Points available.
        public var maxScore: Double
        /// `passed` or `failed`.
        public var status: String
        /// The figure, and the reason when it failed.
        public var output: String
        /// `visible`: learners see every criterion.
        public var visibility: String

        enum CodingKeys: String, CodingKey {
            case name, score, maxScore = "max_score", status, output, visibility
        }
    }

    /// The total of the tests' scores.
    public var score: Double
    /// Seconds the grading took.
    public var executionTime: Double
    /// The summary shown above the tests (with what the candidate printed).
    public var output: String
    /// `visible`.
    public var visibility: String
    /// One per criterion.
    public var tests: [Test]

    enum CodingKeys: String, CodingKey {
        case score, executionTime = "execution_time", output, visibility, tests
    }

    /// The results of `reports`, weighted by `weights`.
    public init(_ reports: [GradeReport], weights: CriterionWeights, executionTime: Double) {
        var tests: [Test] = []
        for report in reports {
            let exercise = Exercise(rawValue: report.exercise) ?? .tensorReduction
            let prefix = reports.count > 1 ? "\(report.candidate) · " : ""
            for r in report.results {
                let max = weights.points(r.id, in: exercise)
                tests.append(Test(name: "\(prefix)\(report.exercise): \(r.criterion)", score: r.passed ? max : 0, maxScore: max,
                                  status: r.passed ? "passed" : "failed",
                                  output: r.figure + (r.reason.map { "\n→ " + $0 } ?? ""), visibility: "visible"))
            }
        }
        score = tests.map(\.score).reduce(0, +)
        self.executionTime = (executionTime * 100).rounded() / 100
        visibility = "visible"
        self.tests = tests
        output = reports.map { r in
            "\(escapedForTerminal(r.candidate)): \(r.score)/\(r.total) criteria passed"
                + (r.isolation.map { " (your code ran in the grader's \($0.rawValue) sandbox)" } ?? "")
                + (r.output.map { "\nWhat your code printed (shown, not graded):\n" + $0 } ?? "")
        }.joined(separator: "\n\n")
    }

    /// The JSON text, pretty-printed.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
