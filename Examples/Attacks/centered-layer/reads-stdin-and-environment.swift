// Attack: look for secrets where earlier graders kept them — the request on standard input,
// the environment — and print them.
// Expected: standard input is empty, the environment holds nothing of the grader's; the layer
// (the identity) fails `values`.
// verdict: fail values
import Foundation
import LayerKit

func snoop() -> Module {
    let stdin = FileHandle.standardInput.readDataToEndOfFile()
    print("stdin bytes: \(stdin.count)")
    for (key, value) in ProcessInfo.processInfo.environment.sorted(by: { $0.key < $1.key }) { print("env \(key)=\(value)") }
    return Identity()
}

let answer = snoop
