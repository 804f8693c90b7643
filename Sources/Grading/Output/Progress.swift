import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress of a grading run on standard error, kept apart from the report on standard
/// output: one self-overwriting line when standard error is a terminal, plain lines otherwise.
/// Before a report goes to standard output the progress line is cleared, so the two never
/// share a line.
struct Progress {
    let isTerminal = isatty(STDERR_FILENO) == 1
    private var showing = false

    /// Shows `line` as the current step.
    mutating func show(_ line: String) {
        if isTerminal {
            writeStderr("\r\u{1B}[K" + line)
            showing = true
        } else {
            writeStderr(line + "\n")
        }
    }

    /// Prints `text` on standard output, clearing the progress line first.
    mutating func report(_ text: String) {
        clear()
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Removes the progress line (at the end of the run).
    mutating func clear() {
        if showing { writeStderr("\r\u{1B}[K") }
        showing = false
    }

    private func writeStderr(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
