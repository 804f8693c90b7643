// reshape and expand: the two shape ops every backward pass relies on.

extension Tensor {
    /// The same values in a new shape (one axis may be -1, inferred); shares the buffer.
    ///
    ///     Tensor.arange(6).reshape([2, -1])   // shape [2, 3]
    public final func reshape(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let hole = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != hole }.reduce(1) { $0 * $1.element }
            if target.filter({ $0 == -1 }).count > 1 { opError("reshape", "only one dimension can be inferred (shape \(newShape))") }
            if known == 0 || count % known != 0 {
                opError("reshape", "shape '\(newShape)' is invalid for input of size \(count)")
            }
            target[hole] = count / known
        }
        if target.contains(where: { $0 < 0 }) || target.reduce(1, *) != count {
            opError("reshape", "shape '\(newShape)' is invalid for input of size \(count)")
        }
        if target == shape && !Tensor.needsGrad(self) { return self }
        let out = Tensor(storage: storage, shape: target)
        if Tensor.needsGrad(self) {
            out.record("ViewBackward0", self) { [shape] g in [g.reshape(shape)] }
        }
        return out
    }

    /// `reshape` with the shape written out: `x.reshape(2, 3)`.
    public final func reshape(_ dims: Int...) -> Tensor { reshape(dims) }

    /// This tensor broadcast to `newShape` (NumPy rules; -1 keeps an axis), as a new buffer.
    public final func expand(_ newShape: [Int]) -> Tensor {
        let lead = newShape.count - rank
        if lead < 0 {
            opError("expand", "the number of sizes provided (\(newShape.count)) must be greater or equal to the number of dimensions in the tensor (\(rank))")
        }
        var target = newShape
        for d in 0..<rank {
            if target[lead + d] == -1 { target[lead + d] = shape[d] }
            if shape[d] != 1 && shape[d] != target[lead + d] {
                opError("expand", "the expanded size of the tensor (\(target[lead + d])) must match the existing size (\(shape[d])) at non-singleton dimension \(lead + d). Target sizes: \(newShape). Tensor sizes: \(shape)")
            }
        }
        if target == shape { return self }
        let out = Tensor(storage: Storage(dtype: dtype, count: target.reduce(1, *)), shape: target)
        if count == 1 && dtype.isFloatingPoint {
            // A scalar broadcast (every backward of a full reduction): one fill.
            out.fill(self[flat: 0])
        } else if isTrailingBroadcast(shape, of: target) {
            // A row repeated (or an integer scalar, exactly): copies of the row.
            out.storage.tile(from: storage)
        } else {
            out.fill(0)
            out.zipMapInPlace(self, op: "expand", AddKernel())
        }
        if Tensor.needsGrad(self) {
            out.record("ExpandBackward0", self) { [self] g in [self.unbroadcast(g)] }
        }
        return out
    }

    /// Broadcast to another tensor's shape.
    public final func expand(as other: Tensor) -> Tensor { expand(other.shape) }
}
