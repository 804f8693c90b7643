import LayerKitChild

/// Why a request to a candidate got no usable reply. The grader turns each into a failed
/// criterion with its own figure and reason (``CriterionRunner``).
enum ChildFailure: Error, Equatable {
    /// No reply before the candidate's wall-time limit.
    case timedOut
    /// The child was stopped by its CPU-time limit (SIGXCPU).
    case cpuLimit
    /// The child ran out of its address space (an allocation failed).
    case outOfMemory
    /// The child wrote a file larger than its file-size limit (SIGXFSZ).
    case fileSizeLimit
    /// The child died of a signal; `message` is the useful line of what it printed.
    case crashed(signal: Int32, message: String)
    /// The child's process ended with this status while a request was pending.
    case exited(status: Int32)
    /// The reply was not a message the grader accepts (garbage, too large, the wrong kind).
    case malformed(String)
    /// The candidate's code threw or raised, or returned something unusable.
    case raised(Failure)
    /// The child could not be started.
    case couldNotStart(String)
    /// One of the above, while the candidate computed its output for an input of this shape.
    indirect case onInput([Int], ChildFailure)

    /// Whether the child is gone or in an unknown state, so that the next criterion needs a
    /// fresh one.
    var needsRestart: Bool {
        switch self {
        case .raised: return false
        case .onInput(_, let failure): return failure.needsRestart
        default: return true
        }
    }

    /// Whether the rest of the candidate's criteria are not run: its time is used up.
    var endsGrading: Bool {
        switch self {
        case .timedOut, .cpuLimit, .couldNotStart: return true
        case .onInput(_, let failure): return failure.endsGrading
        default: return false
        }
    }
}
