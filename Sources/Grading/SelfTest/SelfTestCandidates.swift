import Foundation
import LayerKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Candidates that prove the grader survives what a candidate can do to it besides giving
/// wrong numbers: hang, spin, throw, write into the grader's channel, end its process,
/// allocate 50 GiB, and print while being right (crashing is proved by the known-wrong
/// `crashes-on-batch-1`). `layerkit grade --self-test` grades them with the rest. The answer
/// files of `Examples/Attacks` go further (killing the grader, forking, filling the disk…).
public let selfTestCandidates: [Candidate] = [
    Candidate.centeredLayer("selftest-hangs", summary: "a forward that never returns") { HangingLayer() }
        .asKnownWrong(failing: .outputShape),
    Candidate.centeredLayer("selftest-throws", summary: "a factory that throws") { throw SelfTestError.refusesToBuild }
        .asKnownWrong(failing: .outputShape),
    Candidate.centeredLayer("selftest-forges", summary: "writes a forged reply (announcing 1 TB) into the grader's channel on the values input") {
        ForgingLayer()
    }.asKnownWrong(failing: .values),
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

/// A layer that, on the values input (`[4, 5]`), writes a reply of its own into every
/// descriptor that may be the grader's channel: a length prefix announcing a terabyte. The
/// grader must refuse it by its cap, not read it, and fail only that criterion.
final class ForgingLayer: Module {
    override func forward(_ x: Tensor) -> Tensor {
        if x.shape == [4, 5] {
            var length = UInt64(1 << 40).littleEndian
            for fd in Int32(3)..<Int32(64) { _ = write(fd, &length, 8) }
        }
        return x - x.mean()
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

/// A right CenteredLayer with debug prints, including lines that look like protocol messages.
final class PrintingCenteredLayer: Module {
    override func forward(_ x: Tensor) -> Tensor {
        print("debug: input shape \(x.shape)")
        print(#"{"kind":"outputs","body":{"count":1}} passed"#)
        FileHandle.standardError.write(Data("debug: mean \(x.mean().item())\n".utf8))
        return x - x.mean()
    }
}
