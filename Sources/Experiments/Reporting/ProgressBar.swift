import Foundation

/// A one-line progress bar on standard error: a bar, the epoch, the running loss and the
/// time left, redrawn in place (`\r`) at most ten times a second.
///
///     let bar = ProgressBar(label: "FNO", total: 500)
///     bar.update(epoch: 3, fraction: 0.5, loss: 0.012)   // FNO [##·····] epoch 3/500 loss 0.0120 ETA 4m10s
///     bar.finish("done")
public final class ProgressBar {
    /// Shown before the bar.
    public let label: String
    /// Epochs in the run.
    public let total: Int
    private let start = Date()
    private var lastDraw = Date.distantPast
    private let width = 24

    /// A bar for `total` epochs.
    public init(label: String, total: Int) {
        self.label = label
        self.total = max(1, total)
    }

    /// Redraws the bar: `fraction` of epoch `epoch` is done; `loss` is the running loss.
    public func update(epoch: Int, fraction: Double, loss: Double, extra: String = "") {
        let now = Date()
        if now.timeIntervalSince(lastDraw) < 0.1 && fraction < 1 { return }
        lastDraw = now
        let done = (Double(epoch - 1) + fraction) / Double(total)
        let elapsed = now.timeIntervalSince(start)
        let eta = done > 0 ? elapsed * (1 - done) / done : 0
        let filled = Int((done * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: min(width, filled)) + String(repeating: "·", count: max(0, width - filled))
        let line = "\(label) [\(bar)] epoch \(epoch)/\(total)  loss " + String(format: "%.5f", loss)
            + "  " + (extra.isEmpty ? "" : extra + "  ") + "ETA \(ProgressBar.duration(eta))   "
        FileHandle.standardError.write(Data(("\r" + line).utf8))
    }

    /// Ends the bar's line with `message`.
    public func finish(_ message: String) {
        FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: 100) + "\r" + label + " " + message + "\n").utf8))
    }

    /// `75` → `1m15s`, `3700` → `1h01m`.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
