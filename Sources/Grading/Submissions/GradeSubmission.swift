import Foundation
import LayerKitChild

/// Grades one submission of `exercise`: its first criterion (`compiles` for Swift, `loads`
/// for Python), then the exercise's criteria in sandboxed children that only compute, or all
/// "not run" when the first fails. The submission's private folder (its copy, its compiled
/// child) is removed before this returns.
func gradeSubmission(_ submission: Submission, index: Int, exercise: Exercise, compiler makeCompiler: () throws -> SubmissionCompiler,
                     seed: UInt64, limits: GradingLimits, isolation: Isolation) -> GradeReport {
    let started = ContinuousClock.now
    let ids = criteria(of: exercise)
    func report(_ results: [CriterionResult], output: String? = nil) -> GradeReport {
        GradeReport(exercise: exercise.rawValue, candidate: submission.name, kind: .learner, expectedFailure: nil,
                    results: results, output: output, seconds: (ContinuousClock.now - started).seconds, isolation: isolation)
    }
    func notRun(_ first: CriterionID, figure: String, reason: String, because: String) -> GradeReport {
        report([CriterionResult(first, passed: false, figure: figure, reason: reason)]
               + ids.map { CriterionResult($0, passed: false, figure: "not run", reason: because) })
    }
    switch submission.language {
    case .swift?, nil:
        let compiler: SubmissionCompiler
        do { compiler = try makeCompiler() } catch {
            return notRun(.compiles, figure: "not compiled", reason: "\(error)", because: "the submission was not compiled")
        }
        let folder = compiler.scratch.appendingPathComponent("submission-\(index)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            return notRun(.compiles, figure: "not compiled", reason: "the grader could not make its scratch folder: \(error)",
                          because: "the submission was not compiled")
        }
        switch compiler.compile(submission, in: folder) {
        case .failed(let figure, let reason):
            return notRun(.compiles, figure: figure, reason: reason, because: "the submission does not compile")
        case .compiled(let child):
            let compileSeconds = (ContinuousClock.now - started).seconds
            let transport = ChildProcessTransport(command: .compiledAnswer(child), limits: limits, isolation: isolation)
            let session = CandidateSession(transport: transport, hello: Hello(signature: exercise.signature, candidate: submission.name,
                                                                              exercise: exercise.rawValue),
                                           timeout: .seconds(limits.timeout))
            let results = judge(exercise, in: session, seed: seed, limits: limits)
            transport.reset()
            return report([CriterionResult(.compiles, passed: true, figure: String(format: "compiled in %.1f s", compileSeconds))] + results,
                          output: transport.printed.text)
        }
    case .python?:
        return notRun(.loads, figure: "not graded", reason: "Python answers are not graded yet", because: "not loaded")
    }
}
