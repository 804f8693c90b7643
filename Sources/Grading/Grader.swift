import LayerKit

/// The names of the criteria `exercise` is graded on, in report order.
public func criteria(of exercise: Exercise) -> [CriterionID] { LayerSpec.of(exercise).criteria.map(\.id) }

/// Runs the criteria of `candidate`'s exercise from index `start` on, in this process, and
/// hands each result to `report` as it is known. Each criterion starts from the random
/// stream `seed + index`, so a run resumed at any index gives the same figures.
func runCriteria(_ candidate: Candidate, seed: UInt64, from start: Int = 0, report: (Int, CriterionResult) -> Void) {
    let all = LayerSpec.of(candidate.exercise).criteria
    for (index, criterion) in all.enumerated() where index >= start {
        // A scope, not the global stream: criteria graded at once in one process (tests, a
        // course's batch) cannot shift each other's draws.
        let result: CriterionResult = withSeed(seed &+ UInt64(index)) {
            do {
                return CriterionResult(criterion.id, passed: true, figure: try criterion.check(candidate))
            } catch let failed as Failed {
                return CriterionResult(criterion.id, passed: false, figure: failed.figure, reason: failed.reason)
            } catch {
                return CriterionResult(criterion.id, passed: false, figure: "threw", reason: "the candidate threw: \(error)")
            }
        }
        report(index, result)
    }
}

/// Grades `candidate` in this process and returns its report.
///
/// Fast, but a candidate that crashes takes the caller down with it; `layerkit grade` runs
/// each candidate in a child process instead (``gradeInChildProcess(_:seed:limits:command:)``).
///
///     let report = grade(.tensorReduction("mine") { i, o in TensorReduction(inFeatures: i, outFeatures: o) })
///     print(report.table)
public func grade(_ candidate: Candidate, seed: UInt64 = 0) -> GradeReport {
    var results: [CriterionResult] = []
    runCriteria(candidate, seed: seed) { results.append($1) }
    return GradeReport(exercise: candidate.exercise.rawValue, candidate: candidate.name, kind: candidate.kind,
                       expectedFailure: candidate.expectedFailure, results: results)
}
