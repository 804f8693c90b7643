import Foundation
import LayerKit

/// Candidates that prove the grader survives what a candidate can do to it besides giving
/// wrong numbers: hang, and throw while being built (crashing is proved by the known-wrong
/// `crashes-on-batch-1`). `layerkit grade --self-test` grades them with the rest.
public let selfTestCandidates: [Candidate] = [
    Candidate.centeredLayer("selftest-hangs", summary: "a forward that never returns") { HangingLayer() }
        .asKnownWrong(failing: "output shape"),
    Candidate.centeredLayer("selftest-throws", summary: "a factory that throws") { throw SelfTestError.refusesToBuild }
        .asKnownWrong(failing: "output shape"),
]

/// The error `selftest-throws` throws.
enum SelfTestError: Error, CustomStringConvertible {
    case refusesToBuild
    var description: String { "SelfTestError: this candidate refuses to be built" }
}

/// A layer whose forward sleeps for an hour: the time limit must stop it.
final class HangingLayer: Module {
    override func forward(_ x: Tensor) -> Tensor {
        Thread.sleep(forTimeInterval: 3600)
        return x
    }
}
