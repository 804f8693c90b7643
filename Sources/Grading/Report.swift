/// One line of a grading report: a criterion, whether the candidate met it, the figure that
/// was measured, and on failure a reason a learner can act on.
public struct CriterionResult: Codable, Sendable, Equatable {
    /// Which criterion.
    public var id: CriterionID
    /// The criterion's name, e.g. `"values"` (``CriterionID/name``).
    public var criterion: String
    /// Whether the candidate met it.
    public var passed: Bool
    /// What was measured, e.g. `"max |Δ| 3.1e-16 (tolerance 1e-9)"`.
    public var figure: String
    /// Why it failed, in words a learner can act on; nil when it passed.
    public var reason: String?

    /// A result line.
    public init(_ id: CriterionID, passed: Bool, figure: String, reason: String? = nil) {
        self.id = id
        self.criterion = id.name
        self.passed = passed
        self.figure = figure
        self.reason = passed ? nil : reason
    }
}

/// What a candidate is graded as: a reference solution (must pass everything), a known-wrong
/// answer (must fail its expected criterion), or someone's own answer.
public enum CandidateKind: String, Codable, Sendable {
    /// A LayerKit reference solution.
    case reference
    /// A shipped wrong answer that the grader must reject.
    case knownWrong = "known-wrong"
    /// A learner's answer.
    case learner
}

/// The grading of one candidate against one exercise's spec.
public struct GradeReport: Codable, Sendable {
    /// The exercise's command-line name, e.g. `"tensor-reduction"`.
    public var exercise: String
    /// The candidate's name.
    public var candidate: String
    /// Reference, known-wrong or learner.
    public var kind: CandidateKind
    /// For a known-wrong answer, the criterion it must fail.
    public var expectedFailure: CriterionID?
    /// What the candidate printed on standard output and standard error while it was graded,
    /// truncated to a few lines (shown, never parsed); nil when it printed nothing.
    public var output: String?
    /// Wall time spent grading it (with compiling, for a file), in seconds.
    public var seconds: Double?
    /// One line per criterion, in the spec's order.
    public var results: [CriterionResult]
    /// How the candidate's code was isolated from the grader (nil: it ran in the grader's process).
    public var isolation: Isolation?
    /// Criteria met.
    public var score: Int
    /// Criteria in the spec.
    public var total: Int

    /// A report; the score is counted from `results`.
    public init(exercise: String, candidate: String, kind: CandidateKind, expectedFailure: CriterionID?,
                results: [CriterionResult], output: String? = nil, seconds: Double? = nil, isolation: Isolation? = nil) {
        self.exercise = exercise
        self.candidate = candidate
        self.kind = kind
        self.expectedFailure = expectedFailure
        self.output = output
        self.seconds = seconds
        self.isolation = isolation
        self.results = results
        self.score = results.filter(\.passed).count
        self.total = results.count
    }

    /// True when every criterion passed.
    public var passedAll: Bool { score == total }

    /// Whether the grader judged this candidate as it should: a reference or a learner's answer
    /// passes everything; a known-wrong answer fails (at least) its expected criterion.
    public var verdictIsRight: Bool {
        switch kind {
        case .reference, .learner: return passedAll
        case .knownWrong: return results.contains { $0.id == expectedFailure && !$0.passed }
        }
    }

    /// The one-word verdict printed in the table.
    public var verdict: String {
        switch kind {
        case .reference, .learner: return passedAll ? "PASS" : "FAIL"
        case .knownWrong: return verdictIsRight ? "caught" : "NOT CAUGHT"
        }
    }
}

extension GradeReport {
    /// The report as printed by `layerkit grade`: a header line, then one line per criterion.
    public var table: String {
        let width = max(20, (results.map(\.criterion.count).max() ?? 0) + 2)
        var lines = ["\(escapedForTerminal(candidate)) [\(kind.rawValue)]  \(score)/\(total)  \(verdict)"
                     + (expectedFailure.map { "  (must fail: \($0.name))" } ?? "")
                     + (isolation.map { "  (isolation: \($0.rawValue))" } ?? "")]
        var previous: CriterionResult?
        for r in results {
            let mark = r.passed ? "  ✔ " : "  ✘ "
            var line = mark + r.criterion.padding(toLength: width, withPad: " ", startingAt: 0) + escapedForTerminal(r.figure)
            // A run of "not run" lines gives its reason once.
            let repeated = r.figure == "not run" && previous?.figure == "not run" && previous?.reason == r.reason
            if let reason = r.reason, !repeated {
                let parts = reason.split(separator: "\n", omittingEmptySubsequences: false).map { escapedForTerminal(String($0)) }
                line += "\n      → " + parts.joined(separator: "\n        ")
            }
            lines.append(line)
            previous = r
        }
        if let output {
            lines.append("  output (what the candidate printed, not parsed):")
            lines += output.split(separator: "\n", omittingEmptySubsequences: false).map { "    | " + $0 }
        }
        return lines.joined(separator: "\n")
    }
}

/// The summary table at the end of a grading run: one row per candidate.
public func summaryTable(_ reports: [GradeReport]) -> String {
    let header = ["exercise", "candidate", "kind", "score", "verdict"]
    let rows = reports.map { [$0.exercise, escapedForTerminal($0.candidate), $0.kind.rawValue, "\($0.score)/\($0.total)", $0.verdict] }
    let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
    func format(_ row: [String]) -> String {
        let line = zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        return String(line.reversed().drop { $0 == " " }.reversed())
    }
    return ([format(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(format))
        .joined(separator: "\n")
}
