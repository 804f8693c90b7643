import Foundation
import LayerKitChild
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One learner's answer given as files: a single `.swift` or `.py` file, or a folder of them.
///
/// A submission is read once, into memory, through descriptors that refuse symbolic links,
/// and within size caps; the grader compiles and runs a private copy of those bytes, so the
/// course's files are never opened for writing and a file changed while grading changes
/// nothing.
public struct Submission: Sendable {
    /// The name in reports: the file's or the folder's name (shown escaped).
    public var name: String
    /// The language of its files.
    public var language: AnswerLanguage?
    /// Its files: names (relative to the submission) and contents.
    public var files: [(name: String, contents: Data)]
    /// Why it cannot be graded, when it cannot (a symbolic link, too large, no answer file, …).
    public var problem: String?

    /// A submission of these files (names relative to it), in this language.
    public init(name: String, language: AnswerLanguage?, files: [(name: String, contents: Data)], problem: String? = nil) {
        self.name = name
        self.language = language
        self.files = files
        self.problem = problem
    }

    /// Caps on what one submission may hold.
    public enum Cap {
        /// Bytes in one file.
        public static let fileBytes = 1 << 20
        /// Bytes in all its files.
        public static let totalBytes = 4 << 20
        /// Files.
        public static let files = 100
    }

    /// The folder (or file) at `url` as one submission: every answer file in it or below it.
    public static func whole(_ url: URL) throws -> Submission {
        guard let kind = entryKind(url.path) else { throw SubmissionError("no such file or folder: \(url.path)") }
        return kind == .directory ? folder(url) : file(url)
    }

    /// The submissions at `url`: the file itself, or in a folder each answer file and each
    /// sub-folder, sorted by name. A symbolic link among them is a submission that fails with
    /// its reason; other files are ignored.
    public static func find(at url: URL) throws -> [Submission] {
        guard let kind = entryKind(url.path) else { throw SubmissionError("no such file or folder: \(url.path)") }
        guard kind == .directory else { return [file(url)] }
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { !$0.hasPrefix(".") }.sorted()
        var found: [Submission] = []
        for name in names {
            let entry = url.appendingPathComponent(name)
            switch entryKind(entry.path) {
            case .directory: found.append(folder(entry))
            case .symbolicLink where AnswerLanguage(fileName: name) != nil || entryKind(entry.path, following: true) == .directory:
                found.append(Submission(name: name, language: AnswerLanguage(fileName: name), files: [],
                                        problem: symbolicLinkProblem(name)))
            case .file where AnswerLanguage(fileName: name) != nil: found.append(file(entry))
            default: continue
            }
        }
        if found.isEmpty { throw SubmissionError("no .swift or .py file or sub-folder in \(url.path)") }
        return found
    }

    /// A single answer file.
    private static func file(_ url: URL) -> Submission {
        let name = url.lastPathComponent
        var submission = Submission(name: name, language: AnswerLanguage(fileName: name), files: [], problem: nil)
        if submission.language == nil {
            submission.problem = "\(escapedForTerminal(name)) is not an answer file: name it …\(AnswerLanguage.swift.fileExtension) or …\(AnswerLanguage.python.fileExtension)"
            return submission
        }
        switch readCapped(url.path, cap: Cap.fileBytes) {
        case .success(let data): submission.files = [(name, data)]
        case .failure(let why): submission.problem = why.reason(name)
        }
        return submission
    }

    /// A folder's answer files, recursively (hidden files and other files ignored).
    private static func folder(_ url: URL) -> Submission {
        var submission = Submission(name: url.lastPathComponent, language: nil, files: [], problem: nil)
        var total = 0
        func visit(_ dir: URL, _ prefix: String) -> String? {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else {
                return "\(escapedForTerminal(prefix.isEmpty ? submission.name : prefix)) cannot be read"
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                let entry = dir.appendingPathComponent(name), relative = prefix + name
                switch entryKind(entry.path) {
                case .directory:
                    if let problem = visit(entry, relative + "/") { return problem }
                case .symbolicLink:
                    return symbolicLinkProblem(relative)
                case .file where AnswerLanguage(fileName: name) != nil:
                    if submission.files.count == Cap.files { return "more than \(Cap.files) answer files" }
                    switch readCapped(entry.path, cap: Cap.fileBytes) {
                    case .success(let data):
                        total += data.count
                        if total > Cap.totalBytes { return "the answer files hold more than \(Cap.totalBytes >> 20) MiB" }
                        submission.files.append((relative, data))
                    case .failure(let why):
                        return why.reason(relative)
                    }
                default:
                    continue
                }
            }
            return nil
        }
        if let problem = visit(url, "") {
            submission.problem = problem
            return submission
        }
        let languages = Set(submission.files.compactMap { AnswerLanguage(fileName: $0.name) })
        if languages.count > 1 {
            submission.problem = "the folder mixes Swift and Python files: an answer is in one language"
        } else if let language = languages.first {
            submission.language = language
        } else {
            submission.problem = "the folder \(escapedForTerminal(submission.name)) holds no .swift or .py file"
        }
        return submission
    }

    private static func symbolicLinkProblem(_ name: String) -> String {
        "\(escapedForTerminal(name)) is a symbolic link: submit the file itself (links are not followed)"
    }
}


/// A problem with the submissions' location (not with one submission's content).
public struct SubmissionError: Error, CustomStringConvertible {
    /// What is wrong.
    public var description: String
    init(_ description: String) { self.description = description }
}

/// What a path is, without following a final symbolic link (unless asked).
private enum EntryKind { case file, directory, symbolicLink, other }

private func entryKind(_ path: String, following: Bool = false) -> EntryKind? {
    var info = stat()
    guard (following ? stat(path, &info) : lstat(path, &info)) == 0 else { return nil }
    switch info.st_mode & S_IFMT {
    case S_IFREG: return .file
    case S_IFDIR: return .directory
    case S_IFLNK: return .symbolicLink
    default: return .other
    }
}

/// Why a file could not be read.
private enum ReadProblem: Error {
    case unreadable, symbolicLink, notRegular, tooLarge(Int)

    func reason(_ name: String) -> String {
        let shown = escapedForTerminal(name)
        switch self {
        case .unreadable: return "\(shown) cannot be read"
        case .symbolicLink: return "\(shown) is a symbolic link: submit the file itself (links are not followed)"
        case .notRegular: return "\(shown) is not a regular file"
        case .tooLarge(let cap): return "\(shown) is larger than \(cap >> 10) KiB: an answer file is a few KiB"
        }
    }
}

/// A regular file's bytes, read through a descriptor that refuses a symbolic link (so the
/// file checked is the file read), at most `cap` of them.
private func readCapped(_ path: String, cap: Int) -> Result<Data, ReadProblem> {
    let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
    guard fd >= 0 else { return .failure(errno == ELOOP ? .symbolicLink : .unreadable) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { return .failure(.unreadable) }
    guard info.st_mode & S_IFMT == S_IFREG else { return .failure(.notRegular) }
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 64 << 10)
    while true {
        let n = read(fd, &buffer, buffer.count)
        if n < 0 && errno == EINTR { continue }
        if n < 0 { return .failure(.unreadable) }
        if n == 0 { break }
        data.append(contentsOf: buffer[0..<n])
        if data.count > cap { return .failure(.tooLarge(cap)) }
    }
    return .success(data)
}
