import Foundation

/// The environment variable that marks a process as a grading child. Its value carries
/// nothing: the request comes on standard input.
let childEnvironmentKey = "LAYERKIT_GRADE_CHILD"

/// What the grader asks a child to do, written as JSON on the child's standard input (which
/// the child reads to the end before any candidate code runs).
struct ChildRequest: Codable, Sendable {
    /// The exercise the candidate answers.
    var exercise: Exercise
    /// The registered candidate's name (ignored by a compiled submission's child, which has one).
    var candidate: String
    /// Seed of the random inputs.
    var seed: UInt64
    /// The first criterion to run (a child restarted after a crash resumes after it).
    var start: Int
    /// The private file the results go to (outside the candidate's working directory).
    var resultsPath: String
    /// A random per-run token every result line must carry.
    var token: String
    /// Address-space limit in bytes, set before any candidate code runs.
    var memoryLimit: UInt64?
    /// CPU-time limit in whole seconds.
    var cpuSeconds: UInt64?
}

/// One line of the private results file.
struct ChildMessage: Codable, Sendable {
    /// The request's token: lines without it are ignored.
    var token: String
    /// The criterion's index in the spec.
    var index: Int
    /// Its result; nil with `setupError` when the child could not start grading.
    var result: CriterionResult?
    /// Why the child could not grade at all (unknown candidate, unreadable request).
    var setupError: String?
}

/// A random 128-bit token in hex.
func randomToken() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<4).map { _ in String(generator.next() as UInt32, radix: 16) }.joined(separator: "-")
}
