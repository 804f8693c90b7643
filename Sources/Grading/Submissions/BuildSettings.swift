import Foundation

/// How to compile a learner's file against the LayerKit this program was built from: the
/// compiler flags SwiftPM used for the `Grading` module (module search paths, the FFTW and
/// OpenBLAS module maps) and the objects and libraries it linked this executable from (minus
/// the executable's own module, which holds its `main`).
///
/// Read from SwiftPM's build manifest (`.build/debug.yaml`) beside this executable, so that a
/// submission is compiled with the very modules and objects the grader runs — one `swiftc`
/// call per submission, nothing rebuilt.
struct BuildSettings: Sendable {
    var swiftc: String
    var compileFlags: [String]
    var linkFlags: [String]
    var objects: [String]

    enum Problem: Error, CustomStringConvertible {
        case notFound(String)
        var description: String {
            switch self {
            case .notFound(let what):
                return "cannot compile answer files: \(what). Build and run the grader with SwiftPM (`swift run layerkit grade …`)"
            }
        }
    }

    /// The settings of the running executable's build.
    /// `-use-ld=lld` when the toolchain ships lld beside `swiftc` (linking the debug objects
    /// takes about a third less time than with the system linker).
    var fastLinker: [String] {
        let lld = URL(fileURLWithPath: swiftc).deletingLastPathComponent().appendingPathComponent("ld.lld")
        return FileManager.default.isExecutableFile(atPath: lld.path) ? ["-use-ld=lld"] : []
    }

    static func forCurrentExecutable() throws -> BuildSettings {
        guard let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() else { throw Problem.notFound("no executable path") }
        let binDir = exe.deletingLastPathComponent()
        let manifest = binDir.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(binDir.lastPathComponent + ".yaml")
        guard let text = try? String(contentsOf: manifest, encoding: .utf8) else {
            throw Problem.notFound("no SwiftPM build manifest at \(manifest.path)")
        }
        var commands: [[String]] = []
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("args: ["),
                  let args = try? JSONDecoder().decode([String].self, from: Data(trimmed.dropFirst("args: ".count).utf8)) else { continue }
            commands.append(args)
        }
        func value(after flag: String, in args: [String]) -> String? {
            args.firstIndex(of: flag).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
        }
        guard let compile = commands.first(where: { value(after: "-module-name", in: $0) == "Grading" && $0.contains("-c") }) else {
            throw Problem.notFound("the manifest has no compile command for Grading")
        }
        guard let link = commands.first(where: { value(after: "-o", in: $0) == exe.path && $0.contains("-emit-executable") }) else {
            throw Problem.notFound("the manifest has no link command for \(exe.lastPathComponent)")
        }
        var compileFlags: [String] = []
        var i = 1
        while i < compile.count {
            let arg = compile[i]
            if ["-I", "-Xcc", "-module-cache-path", "-target", "-sdk", "-F"].contains(arg), i + 1 < compile.count {
                compileFlags += [arg, compile[i + 1]]
                i += 2
                continue
            }
            if arg.hasPrefix("-I") || arg.hasPrefix("-F") { compileFlags.append(arg) }
            i += 1
        }
        var linkFlags: [String] = [], objects: [String] = []
        let ownModule = (value(after: "-module-name", in: link) ?? exe.lastPathComponent) + ".build/"
        i = 1
        while i < link.count {
            let arg = link[i]
            if arg == "-L" || arg == "-target" || arg == "-sdk", i + 1 < link.count {
                linkFlags += [arg, link[i + 1]]
                i += 2
                continue
            }
            if arg.hasPrefix("@") {
                let list = (try? String(contentsOfFile: String(arg.dropFirst()), encoding: .utf8)) ?? ""
                objects += list.split(separator: "\n").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) }
                    .filter { !$0.isEmpty && !$0.contains("/" + ownModule) }
            } else if arg.hasPrefix("-L") || arg.hasPrefix("-l") || arg.hasSuffix(".o") || arg.hasSuffix(".a") {
                if arg.hasSuffix(".o") || arg.hasSuffix(".a") { if !arg.contains("/" + ownModule) { objects.append(arg) } } else { linkFlags.append(arg) }
            }
            i += 1
        }
        guard !objects.isEmpty else { throw Problem.notFound("no object files listed for \(exe.lastPathComponent)") }
        return BuildSettings(swiftc: link[0], compileFlags: compileFlags, linkFlags: linkFlags, objects: objects)
    }
}
