import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// PyTorch's tensor printing (torch/_tensor_str.py), ported line for line where the output
// depends on it: the same formatter modes, widths, wrapping and suffixes, so that a learner
// sees byte-for-byte what the book shows.

/// How tensors print: PyTorch's `torch.set_printoptions` settings.
///
///     withPrintOptions(PrintOptions(precision: 2)) { print(Tensor([1.12345])) }  // tensor([1.12])
public struct PrintOptions: Sendable, Equatable {
    /// Digits after the decimal point (fixed) or after the leading digit (scientific).
    public var precision: Int
    /// More elements than this and the tensor prints summarized, with `...`.
    public var threshold: Int
    /// Items shown at the start and end of each summarized axis.
    public var edgeitems: Int
    /// The line width that rows wrap at and suffixes move to a new line past.
    public var linewidth: Int
    /// `true`/`false` forces scientific notation on/off; `nil` lets the values decide.
    public var sciMode: Bool?

    /// Options with PyTorch's defaults unless given.
    public init(
        precision: Int = 4, threshold: Int = 1000, edgeitems: Int = 3, linewidth: Int = 80,
        sciMode: Bool? = nil
    ) {
        self.precision = precision
        self.threshold = threshold
        self.edgeitems = edgeitems
        self.linewidth = linewidth
        self.sciMode = sciMode
    }

    /// PyTorch's `profile="default"`: precision 4, threshold 1000, edge items 3, width 80.
    public static let `default` = PrintOptions()
    /// PyTorch's `profile="short"`: precision 2, edge items 2.
    public static let short = PrintOptions(precision: 2, edgeitems: 2)
    /// PyTorch's `profile="full"`: never summarize.
    public static let full = PrintOptions(threshold: .max)

    /// The options in effect here: the innermost ``withPrintOptions(_:_:)`` scope, else the
    /// global ones set by ``setPrintOptions(profile:precision:threshold:edgeitems:linewidth:sciMode:)``.
    public static var current: PrintOptions {
        scoped ?? globalPrintOptions.withLock { $0 }
    }

    @TaskLocal static var scoped: PrintOptions?

    /// These options changed as `torch.set_printoptions` changes them: a profile resets the
    /// four numeric options, given values override, and `sciMode` is always replaced (so
    /// leaving it out means "automatic" again, as in PyTorch).
    func updated(
        profile: PrintOptions?, precision: Int?, threshold: Int?, edgeitems: Int?,
        linewidth: Int?, sciMode: Bool?
    ) -> PrintOptions {
        var o = self
        if let p = profile {
            o.precision = p.precision
            o.threshold = p.threshold
            o.edgeitems = p.edgeitems
            o.linewidth = p.linewidth
        }
        if let precision { o.precision = precision }
        if let threshold { o.threshold = threshold }
        if let edgeitems { o.edgeitems = edgeitems }
        if let linewidth { o.linewidth = linewidth }
        o.sciMode = sciMode
        return o
    }
}

private let globalPrintOptions = Mutex(PrintOptions())

/// Changes how every tensor prints from now on, like `torch.set_printoptions`.
///
/// Arguments left out keep their value, except `sciMode`, which (as in PyTorch) goes back
/// to automatic unless given. A `profile` (`.default`, `.short`, `.full`) resets the
/// numeric options first. Prefer ``withPrintOptions(_:_:)`` for a temporary change: it does
/// not affect other threads or tasks.
///
///     setPrintOptions(precision: 2)       // tensor([1.12])
///     setPrintOptions(profile: .default)
public func setPrintOptions(
    profile: PrintOptions? = nil, precision: Int? = nil, threshold: Int? = nil,
    edgeitems: Int? = nil, linewidth: Int? = nil, sciMode: Bool? = nil
) {
    globalPrintOptions.withLock {
        $0 = $0.updated(
            profile: profile, precision: precision, threshold: threshold,
            edgeitems: edgeitems, linewidth: linewidth, sciMode: sciMode)
    }
}

/// Runs `body` with `options` in effect for printing in this task only, like
/// `with torch.printoptions(...)`.
///
///     let s = withPrintOptions(PrintOptions(sciMode: false)) { "\(t)" }
public func withPrintOptions<R>(_ options: PrintOptions, _ body: () throws -> R) rethrows -> R {
    try PrintOptions.$scoped.withValue(options, operation: body)
}

extension Tensor: CustomStringConvertible, CustomDebugStringConvertible {
    /// The tensor as PyTorch's `repr` shows it: `tensor([-2., -1.,  0.,  1.,  2.])`,
    /// `tensor(0., grad_fn=<MeanBackward0>)`.
    public var description: String { subclassText ?? description(options: .current) }

    /// The same text as ``description``, as PyTorch's `repr` and `str` agree.
    public var debugDescription: String { description }

    /// A subclass (``Parameter``) cannot override members declared in an extension, so it
    /// prints through `TextOutputStreamable`, which `print` prefers; `description` and
    /// `String(reflecting:)` use the same text so that every way of printing agrees.
    private var subclassText: String? {
        guard type(of: self) != Tensor.self, let streamable = self as? any TextOutputStreamable else { return nil }
        var text = ""
        streamable.write(to: &text)
        return text
    }

    /// The tensor printed with explicit options instead of the current ones.
    ///
    ///     t.description(options: PrintOptions(precision: 2))
    public func description(options: PrintOptions) -> String {
        let prefix = "tensor("
        let indent = prefix.utf8.count
        var suffixes: [String] = []
        let body: String
        if count == 0 {
            // No elements to show the shape by, so it is spelled out (except the plain `(0,)`).
            if rank != 1 { suffixes.append("size=" + pythonTuple(shape)) }
            // No elements to tell an int64 or bool tensor by, so only float32 goes unnamed.
            if dtype != .float32 { suffixes.append("dtype=\(dtype)") }
            body = "[]"
        } else {
            if options.edgeitems <= 0 { suffixes.append("size=" + pythonTuple(shape)) }
            if !dtype.printsWithoutName { suffixes.append("dtype=\(dtype)") }
            body = contentString(indent: indent, options: options)
        }
        if let name = gradFnName {
            suffixes.append("grad_fn=<\(name)>")
        } else if requiresGrad {
            suffixes.append("requires_grad=True")
        }
        return addSuffixes(prefix + body, suffixes, indent: indent, linewidth: options.linewidth)
    }

    /// The bracketed values alone (PyTorch's `_tensor_str`), continuation lines indented by
    /// `indent`, the width of whatever is printed before the opening bracket.
    func contentString(indent: Int, options: PrintOptions) -> String {
        if count == 0 { return "[]" }
        let layout = PrintLayout(tensor: self, options: options)
        if layout.summarize && layout.edge == 0 && rank > 0 { return "[...]" }
        let formatter = dtype.isFloatingPoint
            ? layout.withShownValues { ValueFormatter(values: $0, options: options) }
            : ValueFormatter(texts: layout.shownTexts())
        var out = ""
        layout.write(axis: 0, offset: 0, indent: indent, formatter: formatter, into: &out)
        return out
    }
}

/// `(2, 3)`, `(0,)`, `()`: how Python prints a shape tuple.
private func pythonTuple(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}

/// PyTorch's `_add_suffixes`, including its measure of the last line (two more than its
/// length), which decides where the suffixes wrap.
private func addSuffixes(_ text: String, _ suffixes: [String], indent: Int, linewidth: Int) -> String {
    var out = text
    let bytes = Array(text.utf8)
    let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) ?? -1
    var lastLineLength = bytes.count - lastNewline + 1
    for suffix in suffixes {
        let n = suffix.utf8.count
        if lastLineLength + n + 2 > linewidth {
            out += ",\n" + String(repeating: " ", count: indent) + suffix
            lastLineLength = indent + n
        } else {
            out += ", " + suffix
            lastLineLength += n + 2
        }
    }
    return out + ")"
}

/// Which elements print: every index of each axis, or only the edges of the long axes when
/// the tensor is summarized. Only the shown values are ever read or formatted, so a huge
/// tensor prints as fast as a small one.
private struct PrintLayout {
    let tensor: Tensor
    let shape: [Int]
    let strides: [Int]
    let summarize: Bool
    let edge: Int
    let linewidth: Int

    init(tensor: Tensor, options: PrintOptions) {
        self.tensor = tensor
        shape = tensor.shape
        var s = [Int](repeating: 1, count: shape.count)
        for d in stride(from: shape.count - 2, through: 0, by: -1) { s[d] = s[d + 1] * shape[d + 1] }
        strides = s
        summarize = tensor.count > options.threshold
        edge = Swift.max(options.edgeitems, 0)
        linewidth = options.linewidth
    }

    /// Whether `axis` is cut to its edges (PyTorch: summarizing and longer than two edges).
    func isCut(_ axis: Int) -> Bool { summarize && shape[axis] > 2 * edge }

    /// The shown indices of `axis`.
    func indices(_ axis: Int) -> [Int] {
        let n = shape[axis]
        return isCut(axis) ? Array(0..<edge) + Array((n - edge)..<n) : Array(0..<n)
    }

    func value(_ flat: Int) -> Double { tensor[flat: flat] }

    /// An element as PyTorch prints it: floats through `formatter`, integers exactly
    /// (`-3`), booleans as Python's `True`/`False`, each right-aligned to the widest.
    func text(_ flat: Int, _ formatter: ValueFormatter) -> String {
        tensor.dtype.isFloatingPoint ? formatter.format(value(flat)) : formatter.pad(exactText(flat))
    }

    /// The exact text of an integer or bool element.
    func exactText(_ flat: Int) -> String {
        tensor.dtype == .bool
            ? (tensor.storage.isNonZero(at: flat) ? "True" : "False")
            : String(tensor.storage.int64(at: flat))
    }

    /// The exact texts of the shown elements of an integer or bool tensor.
    func shownTexts() -> [String] { shown(exactText) }

    /// The shown values (PyTorch's `get_summarized_data`), handed to `body`.
    func withShownValues<R>(_ body: ([Double]) -> R) -> R { body(shown(value)) }

    /// `read` of each shown element's flat index, in row-major order.
    private func shown<T>(_ read: (Int) -> T) -> [T] {
        var out: [T] = []
        func gather(_ axis: Int, _ offset: Int) {
            if axis == shape.count {
                out.append(read(offset))
                return
            }
            for i in indices(axis) { gather(axis + 1, offset + i * strides[axis]) }
        }
        gather(0, 0)
        return out
    }

    /// PyTorch's `_tensor_str_with_formatter` (and `_vector_str`, `_scalar_str`) for the
    /// sub-tensor starting at `offset` whose outermost axis is `axis`.
    func write(axis: Int, offset: Int, indent: Int, formatter: ValueFormatter, into out: inout String) {
        let dims = shape.count - axis
        if dims == 0 {
            out += text(offset, formatter)
            return
        }
        if dims == 1 {
            writeVector(offset: offset, indent: indent, formatter: formatter, into: &out)
            return
        }
        let separator = "," + String(repeating: "\n", count: dims - 1) + String(repeating: " ", count: indent + 1)
        let n = shape[axis]
        out += "["
        var first = true
        for i in indices(axis) {
            if !first { out += separator }
            if isCut(axis) && i == n - edge {
                out += "..." + separator
            }
            first = false
            write(axis: axis + 1, offset: offset + i * strides[axis], indent: indent + 1, formatter: formatter, into: &out)
        }
        out += "]"
    }

    private func writeVector(offset: Int, indent: Int, formatter: ValueFormatter, into out: inout String) {
        let axis = shape.count - 1
        let n = shape[axis]
        var items: [String] = []
        items.reserveCapacity(isCut(axis) ? 2 * edge + 1 : n)
        for i in indices(axis) {
            if isCut(axis) && i == n - edge { items.append(" ...") }
            items.append(text(offset + i, formatter))
        }
        let elementLength = formatter.maxWidth + 2
        let perLine = Swift.max(1, floorDiv(linewidth - indent, elementLength))
        let lineBreak = ",\n" + String(repeating: " ", count: indent + 1)
        out += "["
        for start in stride(from: 0, to: items.count, by: perLine) {
            if start > 0 { out += lineBreak }
            out += items[start..<Swift.min(start + perLine, items.count)].joined(separator: ", ")
        }
        out += "]"
    }

    /// Python's `math.floor(a / b)` for a positive `b`.
    private func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && a < 0) ? q - 1 : q
    }
}

/// PyTorch's `_Formatter`: picks integer, fixed or scientific notation from the shown
/// values and the width every value is padded to.
private struct ValueFormatter {
    private(set) var intMode = true
    private(set) var sciMode = false
    private(set) var maxWidth = 1
    let precision: Int

    init(values: [Double], options: PrintOptions) {
        precision = Swift.max(options.precision, 0)
        let nonzeroFinite = values.filter { $0.isFinite && $0 != 0 }
        // Nothing to measure (all zero, nan or inf): integer mode, width 1, as PyTorch.
        guard !nonzeroFinite.isEmpty else { return }
        var lo = Double.infinity, hi = 0.0
        for v in nonzeroFinite {
            let a = Swift.abs(v)
            lo = Swift.min(lo, a)
            hi = Swift.max(hi, a)
            if intMode && v != v.rounded(.up) { intMode = false }
        }
        sciMode = options.sciMode ?? (hi / lo > 1000 || hi > 1e8 || lo < 1e-4)
        for v in nonzeroFinite {
            let width: Int
            if sciMode {
                width = cFormat(v, precision: precision, style: "e").utf8.count
            } else if intMode {
                width = cFormat(v, precision: 0, style: "f").utf8.count + 1  // room for the "."
            } else {
                width = cFormat(v, precision: precision, style: "f").utf8.count
            }
            maxWidth = Swift.max(maxWidth, width)
        }
    }

    /// The formatter of an integer or bool tensor: every text padded to the widest, as
    /// PyTorch's `_Formatter` does for non-floating dtypes.
    init(texts: [String]) {
        precision = 0
        maxWidth = texts.reduce(1) { Swift.max($0, $1.utf8.count) }
    }

    /// `s` right-aligned to ``maxWidth``.
    func pad(_ s: String) -> String {
        let pad = maxWidth - s.utf8.count
        return pad > 0 ? String(repeating: " ", count: pad) + s : s
    }

    /// One value, right-aligned to ``maxWidth``.
    func format(_ v: Double) -> String {
        var s: String
        if sciMode {
            s = cFormat(v, precision: precision, style: "e")
        } else if intMode {
            s = cFormat(v, precision: 0, style: "f")
            if v.isFinite { s += "." }
        } else {
            s = cFormat(v, precision: precision, style: "f")
        }
        let pad = maxWidth - s.utf8.count
        return pad > 0 ? String(repeating: " ", count: pad) + s : s
    }
}

/// `v` as C's `%.{precision}{style}` (which rounds the exact binary value half-to-even, as
/// Python's `format` does), with Python's spelling of the non-finite values: `nan`
/// whatever its sign bit, `inf`, `-inf`.
private func cFormat(_ v: Double, precision: Int, style: Character) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v < 0 ? "-inf" : "inf" }
    return String(format: "%.\(precision)\(style)", v)
}
