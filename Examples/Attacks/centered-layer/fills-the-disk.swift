// Attack: a bounded disk fill — up to 256 MiB in 8 MiB files, in the temporary folder and the
// working directory, stopping at the first refusal.
// Expected: the sandbox's limits stop it (a small private /tmp, a file-size limit) and what
// was written is gone afterwards; the criterion in progress fails, the run goes on.
// verdict: pass
import Foundation
import LayerKit

final class Centered: Module {
    var filled = false
    override func forward(_ x: Tensor) -> Tensor {
        if x.shape == [4, 5] && !filled {
            filled = true
            let chunk = Data(repeating: 0x55, count: 8 << 20)
            let places = [NSTemporaryDirectory(), FileManager.default.currentDirectoryPath]
            fill: for place in places {
                for i in 0..<32 {
                    let url = URL(fileURLWithPath: place).appendingPathComponent("layerkit-fill-\(i)")
                    do { try chunk.write(to: url) } catch { break fill }
                }
            }
        }
        return x - x.mean()
    }
}

let answer = Centered.init
