import Foundation

/// What candidates printed, kept short for the report: shown (escaped), never parsed.
struct CapturedOutput {
    private var data = Data()
    private var dropped = 0

    /// Adds what one child printed; `dropped` bytes beyond the capture's cap were not kept.
    mutating func append(_ printed: Data, dropped: Int = 0) {
        let kept = printed.prefix(max(0, CapturedOutput.cap - data.count))
        data += kept
        self.dropped += dropped + printed.count - kept.count
    }

    /// Bytes kept over all the candidate's children.
    static let cap = 64 << 10

    /// At most a few lines, each cut to 160 characters and escaped; nil when nothing was printed.
    var text: String? {
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
            .map(String.init)
        guard !lines.isEmpty || dropped > 0 else { return nil }
        var shown = lines.prefix(CapturedOutput.maxLines).map { line -> String in
            let cut = line.count > 160 ? String(line.prefix(160)) + "…" : line
            return escapedForTerminal(cut)
        }
        if lines.count > CapturedOutput.maxLines { shown.append("… \(lines.count - CapturedOutput.maxLines) more line(s)") }
        if dropped > 0 { shown.append("… and \(dropped) more byte(s) not kept") }
        return shown.joined(separator: "\n")
    }

    /// Lines shown in a report.
    static let maxLines = 8
}

/// `text` with every control character, and the Unicode characters that reorder or hide
/// text, shown as an escape (`\u{1B}`), so that nothing a candidate prints or names can move
/// the cursor, clear or retitle a terminal, or disguise itself in a report. Newlines and tabs
/// are escaped too: the callers split lines first.
func escapedForTerminal(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for scalar in text.unicodeScalars {
        let v = scalar.value
        let isControl = v < 0x20 || (0x7F...0x9F).contains(v)
        let reorders = (0x200B...0x200F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            || v == 0xFEFF || v == 0x061C
        if isControl || reorders {
            out += "\\u{" + String(v, radix: 16, uppercase: true) + "}"
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}
