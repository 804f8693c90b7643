// Axis reordering: permute, transpose, squeeze, unsqueeze, flatten.

extension Tensor {
    /// The axes reordered: axis `i` of the result is axis `dims[i]` of this tensor (a copy).
    ///
    ///     x.permute([2, 0, 1])
    public final func permute(_ dims: [Int]) -> Tensor {
        let dims = dims.map { normalizedAxis($0, op: "permute") }
        if dims.count != rank || Set(dims).count != rank {
            opError("permute", "number of dims don't match in permute: shape \(shape), dims \(dims)")
        }
        if dims == Array(0..<rank) { return self }
        let outShape = dims.map { shape[$0] }
        let src = contiguousStrides(shape)
        let srcStrides = dims.map { src[$0] }
        let out = Tensor(storage: Storage(dtype: dtype, count: count), shape: outShape)
        permuteKernel(storage, into: out.storage, outShape: outShape, srcStrides: srcStrides)
        if Tensor.needsGrad(self) {
            var inverse = [Int](repeating: 0, count: rank)
            for (i, d) in dims.enumerated() { inverse[d] = i }
            out.record("PermuteBackward0", self) { g in [g.permute(inverse)] }
        }
        return out
    }

    /// Axes `a` and `b` swapped (a copy).
    public final func transpose(_ a: Int, _ b: Int) -> Tensor {
        var dims = Array(0..<rank)
        dims.swapAt(normalizedAxis(a, op: "transpose"), normalizedAxis(b, op: "transpose"))
        return permute(dims)
    }

    /// Size-1 axes removed: all of them, or only `axis`.
    public final func squeeze(_ axis: Int? = nil) -> Tensor {
        if let axis {
            let a = normalizedAxis(axis, op: "squeeze")
            if rank == 0 || shape[a] != 1 { return self }
            var s = shape
            s.remove(at: a)
            return reshape(s)
        }
        return reshape(shape.filter { $0 != 1 })
    }

    /// A size-1 axis inserted at `axis` (which may be `rank`, or negative).
    public final func unsqueeze(_ axis: Int) -> Tensor {
        let a = normalizedAxis(axis, op: "unsqueeze", rank: rank + 1)
        var s = shape
        s.insert(1, at: a)
        return reshape(s)
    }

    /// Axes `start...end` merged into one (all axes by default), as `torch.flatten`.
    public final func flatten(startAxis: Int = 0, endAxis: Int = -1) -> Tensor {
        if rank == 0 { return reshape([1]) }
        let s = normalizedAxis(startAxis, op: "flatten"), e = normalizedAxis(endAxis, op: "flatten")
        if s > e { opError("flatten", "start_dim cannot come after end_dim") }
        let merged = shape[s...e].reduce(1, *)
        return reshape(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
    }
}
