import Foundation
import Testing

/// The notes' code stays true: every ```swift block in `Notes/*.md` is made of lines that occur
/// in compiled code (`Exercises/**/*.swift`, `Tests/**/*.swift`, and `Examples/**/*.swift`, the
/// learner example packages), and the index lists every test of this target. Output is written
/// in ```text blocks, which are not checked.
@Suite("Notes: snippets compile, the index is complete")
struct NotesSnippetTests {
    /// The package root, three levels above this file (Tests/ExercisesTests/NotesSnippetTests.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `.md` files in `Notes/`, sorted.
    static func noteNames() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Notes").path)) ?? []
        return names.filter { $0.hasSuffix(".md") }.sorted()
    }

    /// The `.swift` files under `folder`, this file excepted (so a snippet cannot match itself);
    /// hidden folders such as an example package's `.build` are skipped.
    static func swiftFiles(under folder: String) -> [URL] {
        let base = root.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles]) else { return [] }
        return walker.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "swift" && $0.lastPathComponent != "NotesSnippetTests.swift" }
    }

    /// Every trimmed line of the compiled Swift sources the notes may quote.
    static func compiledLines() throws -> Set<String> {
        var lines = Set<String>()
        for file in swiftFiles(under: "Exercises") + swiftFiles(under: "Tests") + swiftFiles(under: "Examples") {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
                lines.insert(line.trimmingCharacters(in: .whitespaces))
            }
        }
        return lines
    }

    /// The ```swift blocks of a Markdown text, each as (first line number, lines).
    static func swiftBlocks(_ markdown: String) -> [(line: Int, lines: [String])] {
        var blocks: [(line: Int, lines: [String])] = []
        var current: (line: Int, lines: [String])?
        for (number, raw) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if var block = current {
                if line.hasPrefix("```") {
                    blocks.append(block)
                    current = nil
                } else {
                    block.lines.append(String(raw))
                    current = block
                }
            } else if line == "```swift" {
                current = (number + 2, [])
            }
        }
        return blocks
    }

    /// The lines of a snippet that occur nowhere in compiled code (blank lines and `//` comments skipped).
    static func strayLines(_ block: [String], in compiled: Set<String>) -> [String] {
        block.map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("//") && !compiled.contains($0) }
    }

    /// The contents of the string literal that `text` starts inside of, up to its closing quote
    /// (`\"` kept as a quote).
    static func stringLiteralPrefix(_ text: String) -> String {
        var name = "", escaped = false
        for c in text {
            if escaped { name.append(c); escaped = false }
            else if c == "\\" { escaped = true }
            else if c == "\"" { break }
            else { name.append(c) }
        }
        return name
    }

    @Test("The notes exist and hold Swift snippets")
    func notesExist() throws {
        let names = Self.noteNames()
        #expect(names.contains("README.md"))
        #expect(names.count >= 9, "notes: \(names)")
        let blocks = try names.flatMap { name in
            Self.swiftBlocks(try String(contentsOf: Self.root.appendingPathComponent("Notes/\(name)"), encoding: .utf8))
        }
        #expect(blocks.count >= 10, "only \(blocks.count) swift blocks in the notes")
    }

    @Test("Every line of every swift snippet in a note occurs in Exercises/, Tests/ or Examples/", arguments: NotesSnippetTests.noteNames())
    func snippetsCompile(note: String) throws {
        let compiled = try Self.compiledLines()
        let text = try String(contentsOf: Self.root.appendingPathComponent("Notes/\(note)"), encoding: .utf8)
        for block in Self.swiftBlocks(text) {
            let stray = Self.strayLines(block.lines, in: compiled)
            #expect(stray.isEmpty, "Notes/\(note), block at line \(block.line): not in compiled code:\n\(stray.joined(separator: "\n"))")
        }
    }

    @Test("The checker rejects a snippet that drifts from the code")
    func checkerRejectsDrift() throws {
        let compiled = try Self.compiledLines()
        let markdown = "```swift\nlet layer = CenteredLayer()\nlet layer = CenteredLayer(scale: 2)\n// a comment\n```\n```text\nnot checked\n```\n"
        let blocks = Self.swiftBlocks(markdown)
        #expect(blocks.count == 1)
        #expect(Self.strayLines(blocks[0].lines, in: compiled) == ["let layer = CenteredLayer(scale: 2)"])
    }

    /// The README's text under each `### Suite "NAME"` heading, by suite name ("" for the text
    /// before the first such heading).
    static func readmeSections(_ readme: String) -> [String: String] {
        var sections: [String: String] = [:]
        var current = ""
        for line in readme.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("### Suite \"") {
                current = stringLiteralPrefix(String(line.dropFirst("### Suite \"".count)))
            }
            sections[current, default: ""] += line + "\n"
        }
        return sections
    }

    /// The `@Suite` and `@Test` display names of a source file, each test with the suite above it.
    static func displayNames(in source: String) -> [(suite: String?, test: String?)] {
        var names: [(suite: String?, test: String?)] = []
        var suite: String?
        var rest = Substring(source)
        while let hit = rest.range(of: #"@(Suite|Test)\(""#, options: .regularExpression) {
            let name = stringLiteralPrefix(String(rest[hit.upperBound...]))
            if rest[hit].hasPrefix("@Suite") {
                suite = name
                names.append((name, nil))
            } else {
                names.append((suite, name))
            }
            rest = rest[hit.upperBound...]
        }
        return names
    }

    @Test("Notes/README.md lists every test of the ExercisesTests target by its display name")
    func indexListsEveryTest() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("Notes/README.md"), encoding: .utf8)
        let sections = Self.readmeSections(readme)
        var missing: [String] = []
        for file in Self.swiftFiles(under: "Tests/ExercisesTests") + [Self.root.appendingPathComponent("Tests/ExercisesTests/NotesSnippetTests.swift")] {
            for (suite, test) in Self.displayNames(in: try String(contentsOf: file, encoding: .utf8)) {
                if let test {
                    // A test must be listed under its own suite's heading (names repeat across suites).
                    let where_ = suite.flatMap { sections[$0] } ?? readme
                    if !where_.contains("`\(test)`") { missing.append("\(file.lastPathComponent): suite \"\(suite ?? "-")\", test \"\(test)\"") }
                } else if let suite, sections[suite] == nil {
                    missing.append("\(file.lastPathComponent): a '### Suite \"\(suite)\"' section")
                }
            }
        }
        #expect(missing.isEmpty, "add these to Notes/README.md:\n\(missing.joined(separator: "\n"))")
    }
}
