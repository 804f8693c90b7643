import Foundation
import LayerKitChild

/// The Python interpreter that runs PyTorch answers, and what of the machine it needs to read.
///
/// Chosen by `--python PATH`, else `LAYERKIT_PYTHON`, else `python3` on `PATH`; checked once,
/// before any answer is graded, by importing torch (no answer's code runs then).
struct PythonRuntime: Sendable {
    /// The interpreter as given or found.
    var interpreter: String
    /// The folders the interpreter and its packages live in (its prefixes and `sys.path`).
    var readOnlyPaths: [String]
    /// `torch 2.5.1, Python 3.11.2`.
    var version: String

    /// The child program shipped with the grader.
    static var childScript: URL? { Bundle.module.url(forResource: "layerkit_child", withExtension: "py") }

    /// The interpreter to use, checked to import torch; throws one line saying what to install otherwise.
    static func find(explicit: String?) throws -> PythonRuntime {
        let chosen = explicit ?? ProcessInfo.processInfo.environment["LAYERKIT_PYTHON"] ?? "python3"
        guard let interpreter = chosen.contains("/") ? chosen : searchPath(chosen) else {
            throw SubmissionError("Python answers need Python with PyTorch: no \(chosen) on PATH — install Python 3 and torch (python3 -m pip install torch), or name an interpreter with --python PATH or LAYERKIT_PYTHON")
        }
        let probe = """
            import json, os, sys
            info = {"paths": [p for p in [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))] + sys.path if p and os.path.isdir(p)]}
            try:
                import torch
                info["torch"] = torch.__version__
                info["paths"].append(os.path.dirname(os.path.dirname(os.path.realpath(torch.__file__))))
            except BaseException as error:
                info["error"] = "%s: %s" % (type(error).__name__, error)
            info["python"] = sys.version.split()[0]
            print(json.dumps(info))
            """
        let run = runLimited(interpreter, ["-I", "-B", "-c", probe], environment: ChildCommand.environment(),
                             limits: SandboxLimits(addressSpace: nil, cpuSeconds: 120, processes: nil, fileSize: nil, openFiles: nil,
                                                   temporaryBytes: 0),
                             timeout: .seconds(180))
        struct Probe: Decodable { var paths: [String]; var torch: String?; var error: String?; var python: String }
        guard run.termination == .exited(0), let line = run.output.split(separator: "\n").last,
              let info = try? JSONDecoder().decode(Probe.self, from: Data(line.utf8)) else {
            throw SubmissionError("Python answers need Python with PyTorch: \(interpreter) does not run (\(run.output.suffix(300))) — install Python 3 and torch, or name an interpreter with --python PATH or LAYERKIT_PYTHON")
        }
        guard let torch = info.torch else {
            throw SubmissionError("Python answers need PyTorch: \(interpreter) cannot import torch (\(info.error ?? "")) — install it (\(interpreter) -m pip install torch), or name an interpreter that has it with --python PATH or LAYERKIT_PYTHON")
        }
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        let paths = Set(info.paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
            .filter { $0 != "/" && $0 != home }  // never the whole machine or the home folder
        return PythonRuntime(interpreter: interpreter, readOnlyPaths: paths.sorted(), version: "torch \(torch), Python \(info.python)")
    }

    /// The command running `answer`, a file of the submission's private copy in `folder`. The
    /// child program is copied beside that copy (not where the answer's imports look), so the
    /// sandbox shows neither the repository nor its path.
    func command(answer: URL, folder: URL) throws -> ChildCommand {
        guard let resource = PythonRuntime.childScript else { throw SubmissionError("the grader's Python child is missing from its resources") }
        let script = folder.appendingPathComponent("child/layerkit_child.py").path
        do {
            try FileManager.default.createDirectory(atPath: (script as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
            try FileManager.default.copyItem(atPath: resource.path, toPath: script)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: script)
        } catch {
            throw SubmissionError("the grader could not copy its Python child: \(error)")
        }
        return ChildCommand(executable: interpreter, arguments: ["-I", "-B", script, answer.path],
                            environment: ChildCommand.environment(adding: ["PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"]),
                            readOnlyPaths: readOnlyPaths + [folder.path], language: .python)
    }

    private static func searchPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
