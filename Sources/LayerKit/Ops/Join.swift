// Joining and splitting along an axis: concat, stack, split, chunk, each forward next to its
// backward. Every piece is one `copyBox` (a memcpy per contiguous run), see Indexing.swift.

extension Tensor {
    /// The tensors joined end to end along `axis` (`torch.cat`). All must have the same rank
    /// and the same sizes on every other axis; mixed dtypes are promoted (float64 wins).
    ///
    ///     Tensor.concat([a, b], axis: 1)   // [2, 3] and [2, 4] → [2, 7]
    public static func concat(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        guard let first = tensors.first else { opError("concat", "torch.cat(): expected a non-empty list of Tensors") }
        if first.rank == 0 { opError("concat", "zero-dimensional tensor (at position 0) cannot be concatenated") }
        let a = first.normalizedAxis(axis, op: "concat")
        for (i, t) in tensors.enumerated() {
            if t.rank != first.rank {
                opError("concat", "Tensors must have same number of dimensions: got \(first.rank) and \(t.rank) (shapes \(first.shape) and \(t.shape), tensor number \(i) in the list)")
            }
            for d in 0..<first.rank where d != a && t.shape[d] != first.shape[d] {
                opError("concat", "Sizes of tensors must match except in dimension \(a). Expected size \(first.shape[d]) but got size \(t.shape[d]) for tensor number \(i) in the list. (shapes \(tensors.map(\.shape)))")
            }
        }
        return joined(tensors, axis: a, shapes: tensors.map(\.shape), name: "CatBackward0")
    }

    /// The tensors stacked along a new axis `axis` (`torch.stack`); all must have one shape.
    ///
    ///     Tensor.stack([a, b])           // two [3] tensors → [2, 3]
    ///     Tensor.stack([a, b], axis: -1) // → [3, 2]
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        guard let first = tensors.first else { opError("stack", "stack expects a non-empty TensorList") }
        let a = first.normalizedAxis(axis, op: "stack", rank: first.rank + 1)
        for (i, t) in tensors.enumerated() where t.shape != first.shape {
            opError("stack", "stack expects each tensor to be equal size, but got \(first.shape) at entry 0 and \(t.shape) at entry \(i)")
        }
        var unit = first.shape
        unit.insert(1, at: a)
        return joined(tensors, axis: a, shapes: Array(repeating: unit, count: tensors.count), name: "StackBackward0")
    }

    /// Concatenates `parts`, each read as `shapes[i]` (same count, same rank as the result),
    /// along the checked axis `a`; the backward hands each part its slice of the gradient,
    /// in that part's own shape.
    private static func joined(_ parts: [Tensor], axis a: Int, shapes: [[Int]], name: String) -> Tensor {
        let dtype = parts.map(\.dtype).reduce(parts[0].dtype, DType.promoted)
        let parts = parts.map { $0.to(dtype) }
        var outShape = shapes[0]
        outShape[a] = shapes.reduce(0) { $0 + $1[a] }
        let out = Tensor(storage: Storage(dtype: dtype, count: outShape.reduce(1, *)), shape: outShape)
        let zero = [Int](repeating: 0, count: outShape.count)
        var offsets: [Int] = []
        var offset = 0
        for (part, shape) in zip(parts, shapes) {
            var at = zero
            at[a] = offset
            offsets.append(offset)
            copyBox(part.storage, shape, from: zero, into: out.storage, outShape, at: at, extent: shape)
            offset += shape[a]
        }
        if parts.contains(where: { $0.requiresGrad }) && GradMode.isEnabled {
            let ownShapes = parts.map(\.shape)
            let needs = parts.map(\.requiresGrad)
            out.record(name, parts) { g in
                (0..<shapes.count).map { i -> Tensor? in
                    guard needs[i] else { return nil }
                    var from = zero
                    from[a] = offsets[i]
                    let piece = g.boxed(as: outShape, from: from, extent: shapes[i], into: shapes[i], at: zero, fill: nil, dtype: dtype)
                    return Tensor(storage: piece.storage, shape: ownShapes[i])
                }
            }
        }
        return out
    }

    /// Pieces of `size` positions along `axis` (the last one smaller when `size` does not
    /// divide the axis), as copies: `torch.split(x, size)`.
    ///
    ///     Tensor.arange(5).split(size: 2)   // [0, 1], [2, 3], [4]
    public final func split(size: Int, axis: Int = 0) -> [Tensor] {
        if rank == 0 { opError("split", "split expects at least a 1-dimensional tensor") }
        let a = normalizedAxis(axis, op: "split")
        let n = shape[a]
        if size < 0 { opError("split", "split expects split_size be non-negative, but got split_size=\(size)") }
        if size == 0 && n != 0 {
            opError("split", "split_size can only be 0 if dimension size is 0, but got dimension size of \(n)")
        }
        let pieces = size == 0 ? 1 : Swift.max((n + size - 1) / size, 1)
        return (0..<pieces).map { i in
            let start = i * size
            return narrowed(axis: a, start: start, length: Swift.min(size, n - start), name: "SplitBackward0")
        }
    }

    /// Pieces of the given sizes along `axis`, which must add up to the axis size:
    /// `torch.split(x, [sizes])`.
    ///
    ///     x.split(sizes: [1, 3], axis: 1)   // [n, 4] → [n, 1] and [n, 3]
    public final func split(sizes: [Int], axis: Int = 0) -> [Tensor] {
        if rank == 0 { opError("split", "split expects at least a 1-dimensional tensor") }
        let a = normalizedAxis(axis, op: "split")
        let n = shape[a]
        if sizes.contains(where: { $0 < 0 }) {
            opError("split", "split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=\(sizes)")
        }
        if sizes.reduce(0, +) != n {
            opError("split", "split_with_sizes expects split_sizes to sum exactly to \(n) (input tensor's size at dimension \(a)), but got split_sizes=\(sizes)")
        }
        var start = 0
        return sizes.map { length in
            defer { start += length }
            return narrowed(axis: a, start: start, length: length, name: "SplitWithSizesBackward0")
        }
    }

    /// `n` pieces of equal size along `axis` (`torch.chunk`): each of `ceil(size / n)`
    /// positions, the last one smaller — so fewer than `n` pieces can come back, as in PyTorch.
    ///
    ///     Tensor.arange(6).chunk(4)   // three pieces of 2
    public final func chunk(_ n: Int, axis: Int = 0) -> [Tensor] {
        if n <= 0 { opError("chunk", "chunk expects `chunks` to be greater than 0, got: \(n)") }
        if rank == 0 { opError("chunk", "chunk expects at least a 1-dimensional tensor") }
        let a = normalizedAxis(axis, op: "chunk")
        return split(size: (shape[a] + n - 1) / n, axis: a)
    }
}
