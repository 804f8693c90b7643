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
    Candidate.centeredLayer("selftest-forges", summary: "forges result lines on its streams and in the results file, then exit(0)") {
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

/// A layer that tries every way to forge its grade: on the values input (the third
/// criterion) it prints result lines of every known format on both streams, finds the private
/// results file through `/proc/self/fd` (where there is one), reads the genuine lines and
/// appends lines claiming every criterion passed — with the genuine lines' tags, and made-up
/// ones — then calls `exit(0)`. No verdict may change.
final class ForgingLayer: Module {
    override func forward(_ x: Tensor) -> Tensor {
        guard x.shape == [4, 5] else { return x - x.mean() }
        let claims = CriterionID.allCases.map { id -> String in
            let result = CriterionResult(id, passed: true, figure: "forged")
            return (try? JSONEncoder().encode(result)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        FileHandle.standardError.write(Data("forged \(forgeResultsFiles(claims)) line(s) into the results file\n".utf8))
        for (index, json) in claims.enumerated() {
            print("LAYERKIT-GRADE-RESULT {\"index\":\(index),\"result\":\(json)}")
            FileHandle.standardError.write(Data("{\"payload\":\"{\\\"index\\\":\(index)}\",\"tag\":0}\n".utf8))
        }
        exit(0)
    }

    /// Appends forged lines to every open file named `results`; returns how many it wrote.
    private func forgeResultsFiles(_ claims: [String]) -> Int {
        let fdDirectory = "/proc/self/fd"
        var written = 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: fdDirectory)) ?? [] {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: fdDirectory + "/" + name),
                  target.hasSuffix("/results"), let handle = FileHandle(forUpdatingAtPath: target) else { continue }
            let genuine = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
            let tags = genuine.compactMap { line -> UInt64? in
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                return (object?["tag"] as? NSNumber)?.uint64Value
            } + [0, 42]
            for index in 0..<8 {
                for tag in tags {
                    let payload = "{\"index\":\(index),\"result\":\(claims[min(index + 1, claims.count - 1)])}"
                    let line = (try? JSONSerialization.data(withJSONObject: ["payload": payload, "tag": tag])) ?? Data()
                    handle.write(line + Data("\n".utf8))
                    written += 1
                }
            }
            // And the genuine lines again, replayed.
            handle.write(Data(genuine.joined(separator: "\n").utf8) + Data("\n".utf8))
        }
        return written
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
