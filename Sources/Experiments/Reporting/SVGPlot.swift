import Foundation

/// A minimal line-chart writer: panels side by side, each with axes, ticks, a legend and any
/// number of polylines, written as a standalone SVG file (no dependencies).
///
///     var panel = SVGPlot.Panel(title: "loss", xLabel: "epoch", yLabel: "relative L2", logY: true)
///     panel.series.append(.init(name: "train", color: "#d62728", points: [(1, 0.1), (2, 0.05)]))
///     let svg = SVGPlot.render([panel])
public enum SVGPlot {
    /// One curve.
    public struct Series: Sendable {
        /// Legend text.
        public var name: String
        /// An SVG colour (`#rrggbb`).
        public var color: String
        /// An SVG `stroke-dasharray`, or nil for a solid line.
        public var dash: String?
        /// The points, in data coordinates.
        public var points: [(Double, Double)]

        /// A curve named `name`.
        public init(name: String, color: String, dash: String? = nil, points: [(Double, Double)]) {
            self.name = name
            self.color = color
            self.dash = dash
            self.points = points
        }
    }

    /// One chart.
    public struct Panel: Sendable {
        /// Shown above the chart.
        public var title: String
        /// Under the x axis.
        public var xLabel: String
        /// Beside the y axis.
        public var yLabel: String
        /// A base-10 logarithmic y axis (non-positive values are dropped).
        public var logY: Bool
        /// The curves.
        public var series: [Series] = []

        /// An empty chart.
        public init(title: String, xLabel: String, yLabel: String, logY: Bool = false) {
            self.title = title
            self.xLabel = xLabel
            self.yLabel = yLabel
            self.logY = logY
        }
    }

    /// The panels side by side, each `panelWidth × height` pixels, as an SVG document.
    public static func render(_ panels: [Panel], panelWidth: Double = 480, height: Double = 360) -> String {
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(panelWidth) * panels.count)" height="\(Int(height))" \
        font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>

        """
        for (i, panel) in panels.enumerated() {
            svg += draw(panel, x0: Double(i) * panelWidth, width: panelWidth, height: height)
        }
        return svg + "</svg>\n"
    }

    private static func draw(_ panel: Panel, x0: Double, width: Double, height: Double) -> String {
        let left = x0 + 70, right = x0 + width - 20, top = 40.0, bottom = height - 50
        let curves = panel.series.map { s in
            (s, s.points.filter { $0.0.isFinite && $0.1.isFinite && (!panel.logY || $0.1 > 0) }
                .map { ($0.0, panel.logY ? Foundation.log10($0.1) : $0.1) })
        }
        let xs = curves.flatMap { $0.1.map(\.0) }, ys = curves.flatMap { $0.1.map(\.1) }
        var (xMin, xMax) = (xs.min() ?? 0, xs.max() ?? 1), (yMin, yMax) = (ys.min() ?? 0, ys.max() ?? 1)
        if xMax <= xMin { xMax = xMin + 1 }
        if panel.logY { yMin = yMin.rounded(.down); yMax = yMax.rounded(.up) }
        if yMax <= yMin { yMax = yMin + 1 }
        if !panel.logY { let pad = 0.05 * (yMax - yMin); yMin -= pad; yMax += pad }
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * (right - left) }
        func py(_ y: Double) -> Double { bottom - (y - yMin) / (yMax - yMin) * (bottom - top) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var out = "<g>\n"
        out += "<text x=\"\(f((left + right) / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">\(escape(panel.title))</text>\n"
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" fill=\"none\" stroke=\"#444\"/>\n"
        // Ticks: decades on a log axis, five even steps otherwise.
        let yTicks: [Double] = panel.logY
            ? Array(stride(from: yMin, through: yMax, by: 1))
            : (0...4).map { yMin + Double($0) / 4 * (yMax - yMin) }
        for t in yTicks {
            let label = panel.logY ? "1e\(Int(t))" : String(format: "%.3g", t)
            out += "<line x1=\"\(f(left))\" x2=\"\(f(right))\" y1=\"\(f(py(t)))\" y2=\"\(f(py(t)))\" stroke=\"#ddd\"/>\n"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(label)</text>\n"
        }
        for i in 0...4 {
            let t = xMin + Double(i) / 4 * (xMax - xMin)
            out += "<text x=\"\(f(px(t)))\" y=\"\(f(bottom + 16))\" text-anchor=\"middle\">\(String(format: "%.3g", t))</text>\n"
        }
        out += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(escape(panel.xLabel))</text>\n"
        out += "<text transform=\"translate(\(f(x0 + 16)),\(f((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(panel.yLabel))</text>\n"
        for (i, (series, points)) in curves.enumerated() where !points.isEmpty {
            let path = points.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " ")
            let dash = series.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            out += "<polyline fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"1.6\"\(dash) points=\"\(path)\"/>\n"
            let ly = top + 16 + Double(i) * 16
            out += "<line x1=\"\(f(right - 150))\" x2=\"\(f(right - 126))\" y1=\"\(f(ly - 4))\" y2=\"\(f(ly - 4))\" stroke=\"\(series.color)\" stroke-width=\"2\"\(dash)/>\n"
            out += "<text x=\"\(f(right - 120))\" y=\"\(f(ly))\">\(escape(series.name))</text>\n"
        }
        return out + "</g>\n"
    }

    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
