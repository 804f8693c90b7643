// Slicing and integer indexing: narrow, select and the subscripts, each forward next to its
// backward. Every slice is a copy (storage stays contiguous); its backward scatters the
// gradient into zeros of the input's shape. Join.swift and Pad.swift reuse `copyBox` (KernelsCopy.swift).

/// One entry of a multi-axis subscript, as in NumPy/PyTorch basic indexing.
///
/// In a subscript you rarely spell the cases: an `Int` is ``index(_:)``, a Swift range
/// (`1..<3`, `2...`, `..<2`, `1...2`) is ``range(start:end:)``, and `.all`/`.ellipsis` are
/// Python's `:` and `...`:
///
///     x[0, .all]          // x[0, :]     — row 0
///     x[.all, 1..<3]      // x[:, 1:3]   — columns 1 and 2
///     x[.ellipsis, -1]    // x[..., -1]  — last entry of the last axis
///     x[indices: [1, .range(start: -2, end: nil)]]   // built at run time
public enum TensorIndex: Sendable, Hashable, ExpressibleByIntegerLiteral, TensorIndexConvertible {
    /// One position (negative counts from the end); the axis is removed, as `x[2]` does.
    case index(Int)
    /// Positions `start..<end` with Python's rules: `nil` means the edge, negatives count
    /// from the end, and bounds past the edge are clamped (an empty range is fine).
    case range(start: Int?, end: Int?)
    /// The whole axis, Python's `:`.
    case all
    /// As many `.all` as needed to index every axis, Python's `...` (at most one per subscript).
    case ellipsis

    /// An integer literal is one position: `let i: TensorIndex = 2`.
    public init(integerLiteral value: Int) { self = .index(value) }

    /// A Swift range as a slice: `TensorIndex(1..<3)`.
    public init(_ range: Range<Int>) { self = range.tensorIndex }

    /// The entry itself.
    public var tensorIndex: TensorIndex { self }
}

/// A value usable as one entry of a ``Tensor`` subscript: `Int`, ``TensorIndex``, and Swift's
/// integer ranges (`a..<b`, `a...b`, `a...`, `..<b`, `...b`).
public protocol TensorIndexConvertible {
    /// This value as a ``TensorIndex``.
    var tensorIndex: TensorIndex { get }
}

extension Int: TensorIndexConvertible {
    /// One position.
    public var tensorIndex: TensorIndex { .index(self) }
}

extension Range: TensorIndexConvertible where Bound == Int {
    /// `a..<b` is the slice `a:b`.
    public var tensorIndex: TensorIndex { .range(start: lowerBound, end: upperBound) }
}

extension ClosedRange: TensorIndexConvertible where Bound == Int {
    /// `a...b` is the slice `a:b+1` (`a...(-1)` runs to the end).
    public var tensorIndex: TensorIndex { .range(start: lowerBound, end: upperBound == -1 ? nil : upperBound + 1) }
}

extension PartialRangeFrom: TensorIndexConvertible where Bound == Int {
    /// `a...` is the slice `a:`.
    public var tensorIndex: TensorIndex { .range(start: lowerBound, end: nil) }
}

extension PartialRangeUpTo: TensorIndexConvertible where Bound == Int {
    /// `..<b` is the slice `:b`.
    public var tensorIndex: TensorIndex { .range(start: nil, end: upperBound) }
}

extension PartialRangeThrough: TensorIndexConvertible where Bound == Int {
    /// `...b` is the slice `:b+1` (`...(-1)` runs to the end).
    public var tensorIndex: TensorIndex { .range(start: nil, end: upperBound == -1 ? nil : upperBound + 1) }
}

// Leading-dot spellings inside a generic subscript (`x[.all, 1..<3]`) are looked up on the
// protocol, so it needs these members. Disfavoured so that `TensorIndex.all` itself still
// means the enum case rather than being ambiguous with them.
extension TensorIndexConvertible where Self == TensorIndex {
    /// The whole axis, Python's `:`.
    @_disfavoredOverload public static var all: TensorIndex { TensorIndex.all }
    /// Every remaining axis, Python's `...`.
    @_disfavoredOverload public static var ellipsis: TensorIndex { TensorIndex.ellipsis }
    /// One position (negative counts from the end).
    @_disfavoredOverload public static func index(_ i: Int) -> TensorIndex { TensorIndex.index(i) }
    /// The slice `start:end` with Python's rules.
    @_disfavoredOverload public static func range(start: Int?, end: Int?) -> TensorIndex {
        TensorIndex.range(start: start, end: end)
    }
}

extension Tensor {
    /// A new tensor of `shape` (in `dtype`, default `self`'s) filled with `fill`, with the box
    /// `extent` of `self` (read from `srcStart`; `self` is read as `srcShape`) written at
    /// `dstStart`. `fill: nil` skips the fill, for boxes that cover the whole result.
    /// No graph: the building block of slice, pad and concat forwards and backwards.
    final func boxed(
        as srcShape: [Int], from srcStart: [Int], extent: [Int],
        into shape: [Int], at dstStart: [Int], fill: Double? = 0, dtype: DType? = nil
    ) -> Tensor {
        let dtype = dtype ?? self.dtype
        let src = self.dtype == dtype ? storage : storage.copy(as: dtype)
        let n = shape.reduce(1, *)
        let out: Tensor
        if let fill {
            out = fill == 0 ? Tensor(storage: Storage(zeros: dtype, count: n), shape: shape)
                : Tensor.full(shape, fill, dtype: dtype)
        } else {
            out = Tensor(storage: Storage(dtype: dtype, count: n), shape: shape)
        }
        copyBox(src, srcShape, from: srcStart, into: out.storage, shape, at: dstStart, extent: extent)
        return out
    }

    /// The box `start ..< start + extent` of this tensor as a copy of shape `outShape` (same
    /// count as `extent`; integer-indexed axes dropped), recorded as `name`. Its backward
    /// scatters the gradient into zeros of this tensor's shape.
    final func slice(start: [Int], extent: [Int], outShape: [Int], name: String) -> Tensor {
        let zero = [Int](repeating: 0, count: rank)
        let box = boxed(as: shape, from: start, extent: extent, into: extent, at: zero, fill: nil)
        let out = Tensor(storage: box.storage, shape: outShape)
        if Tensor.needsGrad(self) {
            out.record(name, self) { [shape, dtype] g in
                [g.boxed(as: extent, from: zero, extent: extent, into: shape, at: start, dtype: dtype)]
            }
        }
        return out
    }

    /// `length` positions of `axis` from `start` (negative counts from the end), as a copy:
    /// `torch.narrow`. The result keeps the axis.
    ///
    ///     Tensor.arange(10).narrow(axis: 0, start: 2, length: 3)   // tensor([2., 3., 4.])
    public final func narrow(axis: Int, start: Int, length: Int) -> Tensor {
        if rank == 0 { opError("narrow", "narrow() cannot be applied to a 0-dim tensor.") }
        let a = normalizedAxis(axis, op: "narrow")
        let n = shape[a]
        if start < -n || start > n {
            opError("narrow", "start out of range (expected to be in range of [\(-n), \(n)], but got \(start))")
        }
        if length < 0 { opError("narrow", "narrow(): length must be non-negative.") }
        let s = start < 0 ? start + n : start
        if s + length > n {
            opError("narrow", "start (\(s)) + length (\(length)) exceeds dimension size (\(n)). Tensor sizes: \(shape), dimension \(a)")
        }
        return narrowed(axis: a, start: s, length: length, name: "SliceBackward0")
    }

    /// `narrow` with a checked, non-negative axis and bounds, recorded as `name`.
    final func narrowed(axis a: Int, start s: Int, length: Int, name: String) -> Tensor {
        var start = [Int](repeating: 0, count: rank)
        start[a] = s
        var extent = shape
        extent[a] = length
        return slice(start: start, extent: extent, outShape: extent, name: name)
    }

    /// The entry `index` of `axis` (negative counts from the end), with that axis removed:
    /// `torch.select`. `x.select(axis: 0, index: i)` is `x[i]`.
    ///
    ///     m.select(axis: 1, index: -1)   // the last column of a matrix, shape [rows]
    public final func select(axis: Int, index: Int) -> Tensor {
        if rank == 0 { opError("select", "select() cannot be applied to a 0-dim tensor.") }
        let a = normalizedAxis(axis, op: "select")
        let n = shape[a]
        if index < -n || index >= n {
            opError("select", "select(): index \(index) out of range for tensor of size \(shape) at dimension \(a)")
        }
        var start = [Int](repeating: 0, count: rank)
        start[a] = index < 0 ? index + n : index
        var extent = shape
        extent[a] = 1
        var outShape = shape
        outShape.remove(at: a)
        return slice(start: start, extent: extent, outShape: outShape, name: "SelectBackward0")
    }

    /// Basic indexing, one entry per leading axis (missing trailing axes are taken whole), as a
    /// copy: an `Int` picks one position and removes the axis, a range keeps it, `.all` is `:`,
    /// `.ellipsis` is `...`. Negative positions count from the end; range bounds are clamped.
    ///
    ///     x[2]               // x[2]
    ///     x[1..<3]           // x[1:3]
    ///     x[.all, 1..<3]     // x[:, 1:3]
    ///     x[0, .all, -1]     // x[0, :, -1]
    ///     x[(-2)...]         // x[-2:]
    public subscript<each I: TensorIndexConvertible>(_ indices: repeat each I) -> Tensor {
        var list: [TensorIndex] = []
        for i in repeat each indices { list.append(i.tensorIndex) }
        return index(list)
    }

    /// The subscript with its entries built at run time: `x[indices: [0, .all, .range(start: 1, end: nil)]]`.
    public subscript(indices indices: [TensorIndex]) -> Tensor { index(indices) }

    /// Resolves a subscript to one box copy, recorded as PyTorch names the last op of the
    /// chain it would run (`x[0, 1:3]` ends in a slice, `x[1:3, 0]` in a select).
    final func index(_ indices: [TensorIndex]) -> Tensor {
        let ellipses = indices.filter { $0 == .ellipsis }.count
        if ellipses > 1 { opError("index", "an index can only have a single ellipsis ('...')") }
        let consumed = indices.count - ellipses
        if consumed > rank {
            opError("index", "too many indices for tensor of dimension \(rank) (shape \(shape), \(consumed) indices)")
        }
        var full: [TensorIndex] = []
        for i in indices {
            if i == .ellipsis {
                full += [TensorIndex](repeating: .all, count: rank - consumed)
            } else {
                full.append(i)
            }
        }
        full += [TensorIndex](repeating: .all, count: rank - full.count)

        var start: [Int] = [], extent: [Int] = [], outShape: [Int] = []
        var name = "SliceBackward0"
        for (d, entry) in full.enumerated() {
            let n = shape[d]
            switch entry {
            case .index(let i):
                if i < -n || i >= n {
                    opError("index", "index \(i) is out of bounds for dimension \(d) with size \(n) (shape \(shape))")
                }
                start.append(i < 0 ? i + n : i)
                extent.append(1)
                name = "SelectBackward0"
            case .range(let s, let e):
                let (lo, len) = Tensor.clampedRange(s, e, size: n)
                start.append(lo)
                extent.append(len)
                outShape.append(len)
                name = "SliceBackward0"
            case .all, .ellipsis:
                start.append(0)
                extent.append(n)
                outShape.append(n)
            }
        }
        return slice(start: start, extent: extent, outShape: outShape, name: name)
    }

    /// Python's slice bounds on an axis of `size`: the first position and the length.
    static func clampedRange(_ start: Int?, _ end: Int?, size n: Int) -> (Int, Int) {
        func clamp(_ v: Int) -> Int { v < 0 ? Swift.max(0, v + n) : Swift.min(v, n) }
        let lo = start.map(clamp) ?? 0
        let hi = end.map(clamp) ?? n
        return (lo, Swift.max(0, hi - lo))
    }
}
