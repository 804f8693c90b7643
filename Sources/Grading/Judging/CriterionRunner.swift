import LayerKit
import LayerKitChild

/// The names of the criteria `exercise` is graded on, in report order.
public func criteria(of exercise: Exercise) -> [CriterionID] { exercise.definition.spec.criteria.map(\.id) }

/// Runs the criteria of `exercise` through `session`, in order, and returns one result per
/// criterion. Each criterion draws its inputs from the stream `seed + index` (a task-local
/// scope, so that grading in parallel cannot shift them) and asks the candidate for numbers;
/// the verdicts are decided here.
///
/// What the candidate's side does wrong becomes the criterion's failure: a crash, an exit or
/// an unreadable reply fails the criterion in progress and the next one starts a fresh child;
/// running out of wall or CPU time fails it and leaves the rest "not run".
func judge(_ exercise: Exercise, in session: CandidateSession, seed: UInt64, limits: GradingLimits) -> [CriterionResult] {
    var results: [CriterionResult] = []
    var stopped: String?
    for (index, criterion) in exercise.definition.spec.criteria.enumerated() {
        if let stopped {
            results.append(CriterionResult(criterion.id, passed: false, figure: "not run", reason: stopped))
            continue
        }
        session.seed = seed &+ UInt64(index) &* 0x9E37_79B9
        let result: CriterionResult = withSeed(seed &+ UInt64(index)) {
            do {
                return CriterionResult(criterion.id, passed: true, figure: try criterion.check(session))
            } catch let failed as Failed {
                return CriterionResult(criterion.id, passed: false, figure: failed.figure, reason: failed.reason)
            } catch let failure as ChildFailure {
                if failure.needsRestart { session.restart() }
                if failure.endsGrading { stopped = failure.restReason }
                let (figure, reason) = failure.described(during: criterion.id, limits: limits, language: session.ready?.language)
                return CriterionResult(criterion.id, passed: false, figure: figure, reason: reason)
            } catch {
                return CriterionResult(criterion.id, passed: false, figure: "could not grade", reason: "the grader failed: \(error)")
            }
        }
        results.append(session.ready?.language == .python ? result.inPyTorchWords : result)
    }
    return results
}

extension ChildFailure {
    /// The figure and reason of the criterion during which this happened.
    func described(during criterion: CriterionID, limits: GradingLimits, language: AnswerLanguage?) -> (String, String) {
        let during = "during criterion `\(criterion.name)`"
        switch self {
        case .timedOut:
            return ("timed out", "no result within the \(formatSeconds(limits.timeout)) time limit: the candidate hangs or is far too slow")
        case .cpuLimit:
            return ("CPU time limit", "used more than \(limits.cpuSeconds ?? 0) s of CPU time \(during): the candidate loops or is far too slow")
        case .outOfMemory:
            let limit = limits.memory(for: language ?? .swift).map(formatBytes) ?? "the"
            return ("out of memory", "an allocation went beyond the \(limit) memory limit \(during): check the sizes of the tensors the layer makes (an outer product over the batch?)")
        case .fileSizeLimit:
            return ("file size limit", "wrote a file beyond the \(formatBytes(limits.fileSize)) limit \(during): a layer has no files to write")
        case .crashed(let signal, let message):
            return ("crashed (signal \(signal))", "the candidate crashed: \(message)")
        case .exited(let status):
            return ("exited with status \(status)", "the candidate's code ended the process (status \(status)) \(during): a layer must not end its process (exit(), sys.exit(), os._exit())")
        case .malformed(let why):
            return ("unreadable reply", "the candidate's process sent something that is not a reply (\(why)) \(during): a layer must not write to the grader's channel")
        case .raised(let failure):
            switch failure.kind {
            case .raised, .load, .noAnswer: return (language == .python ? "raised" : "threw", failure.message)
            case .unusable: return ("unusable result", failure.message)
            case .badRequest: return ("could not grade", "the candidate's side refused the grader's request: \(failure.message)")
            case .environment: return ("could not grade", failure.message)
            }
        case .couldNotStart(let why):
            return ("could not grade", why)
        case .onInput(let shape, let failure):
            let (figure, reason) = failure.described(during: criterion, limits: limits, language: language)
            return (figure, "on input \(shape) — \(reason)")
        }
    }

    /// The reason given to the criteria after one that used up the candidate's time.
    var restReason: String {
        switch self {
        case .timedOut: return "the candidate timed out earlier"
        case .cpuLimit: return "the candidate ran out of CPU time earlier"
        case .couldNotStart(let why): return why
        case .onInput(_, let failure): return failure.restReason
        default: return "not run"
        }
    }
}

func formatSeconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : "\(s) s" }

func formatBytes(_ bytes: UInt64) -> String {
    bytes % (1 << 30) == 0 ? "\(bytes >> 30) GiB" : bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
}
