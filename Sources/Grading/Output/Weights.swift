import Foundation

/// Points per criterion, for partial credit (Gradescope's `score`/`max_score`).
///
/// Defaults: `values` 3, `gradients` 2, every other criterion 1, and `compiles`/`loads` 0 (a
/// gate: a submission that does not compile gets nothing from the rest). A course overrides
/// them with a small JSON file (`--weights FILE`): criterion names mapped to points, for every
/// exercise or under an exercise's name,
///
///     {"values": 4, "tensor-reduction": {"in = 1, out = 1": 0.5}}
public struct CriterionWeights: Sendable {
    private var all: [CriterionID: Double] = [:]
    private var byExercise: [Exercise: [CriterionID: Double]] = [:]

    /// The default weights.
    public init() {}

    /// The weights of a JSON file (see the type's documentation); throws naming an unknown key.
    public init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SubmissionError("\(url.lastPathComponent): expected a JSON object of criterion names to points")
        }
        func points(_ key: String, _ value: Any) throws -> (CriterionID, Double) {
            guard let id = CriterionID(rawValue: key) else {
                throw SubmissionError("\(url.lastPathComponent): unknown criterion '\(key)'; known: \(CriterionID.allCases.map(\.name).joined(separator: ", "))")
            }
            guard let number = value as? NSNumber, number.doubleValue >= 0 else {
                throw SubmissionError("\(url.lastPathComponent): the points of '\(key)' must be a non-negative number")
            }
            return (id, number.doubleValue)
        }
        for (key, value) in object {
            if let exercise = Exercise(rawValue: key) {
                guard let nested = value as? [String: Any] else {
                    throw SubmissionError("\(url.lastPathComponent): '\(key)' must map criterion names to points")
                }
                for (k, v) in nested { let (id, p) = try points(k, v); byExercise[exercise, default: [:]][id] = p }
            } else {
                let (id, p) = try points(key, value)
                all[id] = p
            }
        }
    }

    /// The points of `criterion` in `exercise`.
    public func points(_ criterion: CriterionID, in exercise: Exercise) -> Double {
        if let p = byExercise[exercise]?[criterion] ?? all[criterion] { return p }
        switch criterion {
        case .compiles, .loads: return 0
        case .values: return 3
        case .gradients: return 2
        default: return 1
        }
    }
}
