// Attack: read the home folder, the repository (the reference solutions' sources) and the
// course's files, and print what it finds.
// Expected: none of it is visible; the layer (the identity) fails `values`.
// verdict: fail values
import Foundation
import LayerKit

func peek() -> Module {
    let places = [NSHomeDirectory(), "/root", "/home", "/work", "/autograder", "/etc/shadow"]
    for place in places {
        if let text = try? String(contentsOfFile: place, encoding: .utf8) { print("FOUND-FILE \(place): \(text.prefix(80))") }
        if let names = try? FileManager.default.contentsOfDirectory(atPath: place), !names.isEmpty {
            print("FOUND-FOLDER \(place): \(names.prefix(5))")
        }
    }
    return Identity()
}

let answer = peek
