import Foundation
import LayerKit

/// Candidates that prove the grader survives what a candidate can do to it besides giving
/// wrong numbers: hang, spin, throw, forge result lines, end the process, allocate 50 GiB,
/// and print while being right (crashing is proved by the known-wrong `crashes-on-batch-1`).
/// `layerkit grade --self-test` grades them with the rest.
public let selfTestCandidates: [Candidate] = [
    Candidate.centeredLayer("selftest-hangs", summary: "a forward that never returns") { HangingLayer() }
        .asKnownWrong(failing: .outputShape),
    Candidate.centeredLayer("selftest-throws", summary: "a factory that throws") { throw SelfTestError.refusesToBuild }
        .asKnownWrong(failing: .outputShape),
    Candidate.centeredLayer("selftest-forges", summary: "prints result lines of every known format, then exit(0)") {
        ForgingLayer()
    }.asKnownWrong(failing: .outputShape),
    Candidate.centeredLayer("selftest-exits", summary: "right on small inputs, calls exit(0) on the values input") {
        ExitingLayer()
    }.asKnownWrong(failing: .values),
    Candidate.centeredLayer("selftest-memory-hog", summary: "allocates 50 GiB in forward") { MemoryHogLayer() }
        .asKnownWrong(failing: .outputShape),
    Candidate.centeredLayer("selftest-spins", summary: "a forward that computes forever") { SpinningLayer() }
        .asKnownWrong(failing: .outputShape),
    Candidate.centeredLayer("selftest-prints", summary: "a right CenteredLayer that prints debug lines") {
        PrintingCenteredLayer()
    }.asReference(),
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

/// A layer that imitates every result format on both streams, claims 8/8, and exits 0 before
/// any real check: no verdict may change.
final class ForgingLayer: Module {
    override func forward(_ x: Tensor) -> Tensor {
        for id in CriterionID.allCases {
            let result = CriterionResult(id, passed: true, figure: "forged")
            let json = (try? JSONEncoder().encode(result)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            print("LAYERKIT-GRADE-RESULT {\"index\":\(id.hashValue & 7),\"result\":\(json)}")
            print("{\"token\":\"0-0-0-0\",\"index\":0,\"result\":\(json)}")
            FileHandle.standardError.write(Data("✔ \(id.name) PASS\n".utf8))
        }
        exit(0)
    }
}

/// Right on the shape checks' inputs, but ends the process (status 0) on the `[4, 5]` input
/// the values criterion uses.
final class ExitingLayer: Module {
    override func forward(_ x: Tensor) -> Tensor {
        if x.shape == [4, 5] { exit(0) }
        return x - x.mean()
    }
}

/// A layer that asks for 50 GiB: the memory limit must stop it at once, not the machine.
final class MemoryHogLayer: Module {
    override func forward(_ x: Tensor) -> Tensor {
        let huge = Tensor.zeros([50 << 30 / 4])  // 50 GiB of float32
        return x - x.mean() + huge.sum()
    }
}

/// A layer whose forward computes forever: the CPU-time limit must stop it.
final class SpinningLayer: Module {
    override func forward(_ x: Tensor) -> Tensor {
        var y = x
        while y.shape == x.shape { y = y * 1.0000001 + 1e-9 }
        return y
    }
}

/// A right CenteredLayer with debug prints, including a line that looks like a result.
final class PrintingCenteredLayer: Module {
    override func forward(_ x: Tensor) -> Tensor {
        print("debug: input shape \(x.shape)")
        print("LAYERKIT-GRADE-RESULT {\"index\":0,\"result\":{\"criterion\":\"values\",\"passed\":false}}")
        FileHandle.standardError.write(Data("debug: mean \(x.mean().item())\n".utf8))
        return x - x.mean()
    }
}
