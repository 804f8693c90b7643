import Foundation

/// How to compile a learner's file against the LayerKit this program was built from, read
/// from SwiftPM's build description beside this executable (`.build/debug.yaml` and
/// `debug/description.json`): the compiler, the flags SwiftPM compiled `LayerKit` and
/// `LayerKitChild` with, and the objects of those targets and what they depend on.
///
/// A learner's module sees a module search path holding LayerKit and its dependencies only —
/// not `Grading`, not `Exercises` (the reference solutions), not `LayerKitChild` — and the
/// child executable links the objects of `LayerKitChild` and its dependencies only.
struct BuildSettings: Sendable {
    var swiftc: String
    /// Flags compiling the learner's module (its search path: ``answerModules``).
    var answerFlags: [String]
    /// Flags compiling the generated entry point (its search path: ``entryModules``).
    var entryFlags: [String]
    var linkFlags: [String]
    var objects: [String]
    /// Folders of links to the `.swiftmodule` files each compile may see.
    var answerModules: URL
    var entryModules: URL

    enum Problem: Error, CustomStringConvertible {
        case notFound(String)
        var description: String {
            switch self {
            case .notFound(let what):
                return "cannot compile answer files: \(what). Build and run the grader with SwiftPM (`swift run layerkit grade …`)"
            }
        }
    }

    /// `-use-ld=lld` when the toolchain ships lld beside `swiftc` (linking the debug objects
    /// takes about a third less time than with the system linker).
    var fastLinker: [String] {
        let lld = URL(fileURLWithPath: swiftc).deletingLastPathComponent().appendingPathComponent("ld.lld")
        return FileManager.default.isExecutableFile(atPath: lld.path) ? ["-use-ld=lld"] : []
    }

    /// The settings of the running executable's build; the private module folders are made in `scratch`.
    static func forCurrentExecutable(scratch: URL) throws -> BuildSettings {
        guard let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() else { throw Problem.notFound("no executable path") }
        let binDir = exe.deletingLastPathComponent()
        let manifest = binDir.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(binDir.lastPathComponent + ".yaml")
        guard let text = try? String(contentsOf: manifest, encoding: .utf8) else {
            throw Problem.notFound("no SwiftPM build manifest at \(manifest.path)")
        }
        let dependencies = try targetDependencies(binDir.appendingPathComponent("description.json"))
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
        func compileCommand(_ module: String) throws -> [String] {
            guard let c = commands.first(where: { value(after: "-module-name", in: $0) == module && $0.contains("-c") }) else {
                throw Problem.notFound("the manifest has no compile command for \(module)")
            }
            return c
        }
        guard let link = commands.first(where: { value(after: "-o", in: $0) == exe.path && $0.contains("-emit-executable") }) else {
            throw Problem.notFound("the manifest has no link command for \(exe.lastPathComponent)")
        }
        let modulesDir = binDir.appendingPathComponent("Modules")
        func closure(_ target: String) -> Set<String> { Set([target] + (dependencies[target] ?? [])) }
        func moduleFolder(_ name: String, for target: String) throws -> URL {
            let folder = scratch.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for module in closure(target) {
                let file = modulesDir.appendingPathComponent(module + ".swiftmodule")
                guard FileManager.default.fileExists(atPath: file.path) else { continue }  // a C target
                try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent(file.lastPathComponent), withDestinationURL: file)
            }
            return folder
        }
        let answerModules = try moduleFolder("modules-answer", for: "LayerKit")
        let entryModules = try moduleFolder("modules-entry", for: "LayerKitChild")
        func flags(_ compile: [String], searching folder: URL) -> [String] {
            var flags: [String] = [], i = 1
            while i < compile.count {
                let arg = compile[i]
                if arg == "-I", i + 1 < compile.count {
                    // SwiftPM's module folder holds every module of the package: swap in the private one.
                    flags += ["-I", compile[i + 1] == modulesDir.path ? folder.path : compile[i + 1]]
                    i += 2
                    continue
                }
                if ["-Xcc", "-module-cache-path", "-target", "-sdk"].contains(arg), i + 1 < compile.count {
                    flags += [arg, compile[i + 1]]
                    i += 2
                    continue
                }
                if arg.hasPrefix("-I") { flags.append(arg) }
                i += 1
            }
            return flags
        }
        let childTargets = closure("LayerKitChild")
        var linkFlags: [String] = [], objects: [String] = []
        func isChildObject(_ path: String) -> Bool {
            childTargets.contains { path.contains("/\($0).build/") }
        }
        var i = 1
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
                    .filter { !$0.isEmpty && isChildObject($0) }
            } else if arg.hasSuffix(".o") || arg.hasSuffix(".a") {
                if isChildObject(arg) { objects.append(arg) }
            } else if arg.hasPrefix("-L") || arg.hasPrefix("-l") {
                linkFlags.append(arg)
            }
            i += 1
        }
        guard !objects.isEmpty else { throw Problem.notFound("no object files of LayerKitChild listed for \(exe.lastPathComponent)") }
        return BuildSettings(swiftc: link[0], answerFlags: flags(try compileCommand("LayerKit"), searching: answerModules),
                             entryFlags: flags(try compileCommand("LayerKitChild"), searching: entryModules),
                             linkFlags: linkFlags, objects: objects, answerModules: answerModules, entryModules: entryModules)
    }

    /// Each target's dependencies, transitively, from SwiftPM's build description.
    private static func targetDependencies(_ url: URL) throws -> [String: [String]] {
        struct Description: Decodable { var targetDependencyMap: [String: [String]] }
        guard let data = try? Data(contentsOf: url),
              let description = try? JSONDecoder().decode(Description.self, from: data) else {
            throw Problem.notFound("no build description at \(url.path)")
        }
        return description.targetDependencyMap
    }
}
