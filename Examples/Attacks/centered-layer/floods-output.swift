// Attack: 30 MB of output from forward, to fill the grader's memory or stall it on a full pipe.
// Expected: the grader keeps a few kilobytes, drains the rest, and grades; the layer is right.
// verdict: pass
import Foundation
import LayerKit

final class Centered: Module {
    override func forward(_ x: Tensor) -> Tensor {
        if x.shape == [4, 5] {
            let line = Data((String(repeating: "flood ", count: 170) + "\n").utf8)
            for _ in 0..<(30_000_000 / line.count) { FileHandle.standardOutput.write(line) }
        }
        return x - x.mean()
    }
}

let answer = Centered.init
