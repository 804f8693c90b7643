// Indexing by integer tensors: indexSelect and gather, each forward next to its backward
// (a scatter-add of the gradient into zeros of the source's shape).

extension Tensor {
    /// The positions an index tensor holds, checked: an integer dtype and every value in
    /// `-size..<size` (negatives count from the end); stops naming the op otherwise.
    final func indexPositions(_ op: String, size: Int, shape: [Int]) -> [Int] {
        guard dtype == .int64 || dtype == .int32 else {
            opError(op, "Expected dtype int64 for index, got \(dtype) (make one with Tensor([Int]) or .to(.int64))")
        }
        return ints().map { i in
            if i < -size || i >= size {
                opError(op, "index \(i) is out of range for dimension of size \(size) (self shape \(shape))")
            }
            return i < 0 ? i + size : i
        }
    }

    /// The entries of `axis` at the positions in `index` (an int64 tensor, 1-D or 0-d), in
    /// that order, repeats allowed: `torch.index_select`. Its backward adds each gradient row
    /// back at its position, so repeated positions accumulate.
    ///
    ///     table.indexSelect(axis: 0, index: Tensor([2, 0, 2] as [Int]))   // rows 2, 0, 2
    public final func indexSelect(axis: Int, index: Tensor) -> Tensor {
        let op = "index_select"
        if index.rank > 1 { opError(op, "Index is supposed to be a vector, got shape \(index.shape)") }
        if rank == 0 { opError(op, "index_select() cannot be applied to a 0-dim tensor") }
        let a = normalizedAxis(axis, op: op)
        let positions = index.indexPositions(op, size: shape[a], shape: shape)
        let outer = shape[..<a].reduce(1, *), len = shape[a], inner = shape[(a + 1)...].reduce(1, *)
        var rowOffsets: [Int] = []
        rowOffsets.reserveCapacity(outer * positions.count)
        for o in 0..<outer { for p in positions { rowOffsets.append((o * len + p) * inner) } }
        var outShape = shape
        outShape[a] = positions.count
        let out = Tensor(storage: Storage(dtype: dtype, count: outShape.reduce(1, *)), shape: outShape)
        gatherRows(storage, rowOffsets: rowOffsets, rowLength: inner, into: out.storage)
        if Tensor.needsGrad(self) {
            out.record("IndexSelectBackward0", self) { [shape, dtype] g in
                let dx = Tensor.zeros(shape, dtype: dtype)
                scatterAddRows(g.to(dtype).storage, rowOffsets: rowOffsets, rowLength: inner, into: dx.storage)
                return [dx]
            }
        }
        return out
    }

    /// `out[i][j][k] = self[i][index[i][j][k]][k]` for `axis` 1 (and likewise on any axis):
    /// `torch.gather`. `index` is an int64 tensor of this tensor's rank, no larger than it on
    /// the other axes; the result has `index`'s shape. Its backward scatter-adds the gradient.
    ///
    ///     logProbs.gather(axis: 1, index: labels.unsqueeze(1))   // each row's label entry
    public final func gather(axis: Int, index: Tensor) -> Tensor {
        let op = "gather"
        let a = normalizedAxis(axis, op: op)
        if index.rank != Swift.max(rank, 1) && !(rank == 0 && index.rank == 0) {
            opError(op, "Index tensor must have the same number of dimensions as input tensor (input \(shape), index \(index.shape))")
        }
        for d in 0..<index.rank where d != a && index.shape[d] > shape[d] {
            opError(op, "Size does not match at dimension \(d) expected index \(index.shape) to be smaller than self \(shape) apart from dimension \(a)")
        }
        let size = rank == 0 ? 1 : shape[a]
        let positions = index.indexPositions(op, size: size, shape: shape)
        let strides = contiguousStrides(shape)
        var offsets = [Int](repeating: 0, count: positions.count)
        var coordinate = [Int](repeating: 0, count: index.rank)
        for i in 0..<positions.count {
            var off = 0
            for d in 0..<index.rank { off += (d == a ? positions[i] : coordinate[d]) * (rank == 0 ? 0 : strides[d]) }
            offsets[i] = off
            var d = index.rank - 1
            while d >= 0 {
                coordinate[d] += 1
                if coordinate[d] < index.shape[d] { break }
                coordinate[d] = 0
                d -= 1
            }
        }
        let out = Tensor(storage: Storage(dtype: dtype, count: positions.count), shape: index.shape)
        gatherElements(storage, offsets: offsets, into: out.storage)
        if Tensor.needsGrad(self) {
            out.record("GatherBackward0", self) { [shape, dtype] g in
                let dx = Tensor.zeros(shape, dtype: dtype)
                scatterAddElements(g.to(dtype).storage, offsets: offsets, into: dx.storage)
                return [dx]
            }
        }
        return out
    }
}
