import Foundation

/// The summary of a run over answer files: one row per submission with its score, the
/// criteria it failed and the time it took, then the count of full marks.
public func submissionSummary(_ reports: [GradeReport]) -> String {
    let header = ["submission", "score", "verdict", "seconds", "failed"]
    let rows = reports.map { r in
        [escapedForTerminal(r.candidate), "\(r.score)/\(r.total)", r.verdict, String(format: "%.1f", r.seconds ?? 0),
         firstFailures(r)]
    }
    let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
    func format(_ row: [String]) -> String {
        let line = zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        return String(line.reversed().drop { $0 == " " }.reversed())
    }
    let full = reports.filter(\.passedAll).count
    return ([format(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(format)
            + ["", "\(full) of \(reports.count) submission(s) pass every criterion"]).joined(separator: "\n")
}

/// The failed criteria of a report, not-run ones left out, e.g. `values, gradients`.
private func firstFailures(_ report: GradeReport) -> String {
    report.results.filter { !$0.passed && $0.figure != "not run" }.map(\.criterion).joined(separator: ", ")
}

/// The summary as CSV (RFC 4180): one row per report with the exercise, the candidate, the
/// score, the total, whether it passed everything, the seconds, and one column per criterion
/// (`pass` or `fail`, empty when a submission has no such criterion) in the order they first
/// appear (a Swift file's `compiles`, a Python file's `loads`, then the exercise's).
public func summaryCSV(_ reports: [GradeReport]) -> String {
    var criteria: [String] = []
    for name in reports.flatMap({ $0.results.map(\.criterion) }) where !criteria.contains(name) { criteria.append(name) }
    let gates = [CriterionID.compiles.name, CriterionID.loads.name]
    criteria = gates.filter(criteria.contains) + criteria.filter { !gates.contains($0) }
    func field(_ text: String) -> String {
        text.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
    var lines = [(["exercise", "submission", "score", "total", "passed", "seconds"] + criteria).map(field).joined(separator: ",")]
    for r in reports {
        let marks = criteria.map { name in r.results.first { $0.criterion == name }.map { $0.passed ? "pass" : "fail" } ?? "" }
        lines.append(([r.exercise, escapedForTerminal(r.candidate), "\(r.score)", "\(r.total)", r.passedAll ? "yes" : "no",
                       String(format: "%.2f", r.seconds ?? 0)] + marks).map(field).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
}

/// Writes `text` to a temporary file beside `url`, then renames it over `url`: never a
/// half-written file.
func writeAtomically(_ text: String, to url: URL) throws {
    try Data(text.utf8).write(to: url, options: .atomic)
}
