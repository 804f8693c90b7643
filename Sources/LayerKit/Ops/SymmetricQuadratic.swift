import Dispatch

// The quadratic form y_bk = Σ_ij W_ijk x_bi x_bj (einsum "bi,ijk,bj->bk") over the symmetric
// half of the outer product, with its backward beside it.
//
// x_bi x_bj is symmetric in (i, j), so only the P = I(I+1)/2 pairs i ≤ j are needed:
//     y = O · S,   O_b,p(i,j) = x_bi x_bj (i ≤ j),   S_p(i,i) = W_ii,   S_p(i,j) = W_ij + W_ji (i < j),
// half the GEMM of the full [B, I²] · [I², K] product, and half the weight traffic. Pairs are
// numbered row by row of the upper triangle: p(i, j) = i·I − i(i−1)/2 + (j − i).
// Backward, with g = ∂L/∂y:
//     ∂L/∂W_ijk = ∂L/∂W_jik = D_p(i,j),k with D = Oᵀ·g  (one [P, B]·[B, K] GEMM, mirrored);
//     M = g·Sᵀ ([B, P]), and ∂L/∂x_bi = 2·M_b,p(i,i) x_bi + Σ_{j≠i} M_b,p(min,max) x_bj.
// S is built once per call and shared by the forward and the input gradient; when no
// gradient is needed it is folded block by block, each block consumed by its GEMM from cache.

extension Tensor {
    /// The quadratic form `y[b, k] = Σ_ij weight[i, j, k] · self[b, i] · self[b, j]`
    /// (`torch.einsum("bi,ijk,bj->bk", x, W, x)`) for `self` of shape `[B, I]` and `weight`
    /// of shape `[I, I, K]`, differentiable in both.
    ///
    /// It runs over the `I(I+1)/2` pairs `i ≤ j` only: the weight is folded once per call
    /// into `W_ij + W_ji` and the outer product is packed, so the product costs half the
    /// flops of the full `[B, I²]·[I², K]` one. The weight keeps PyTorch's `[I, I, K]`
    /// layout and its gradient is symmetric in `(i, j)`, as the einsum's is.
    ///
    ///     let y = x.quadraticForm(w)     // [B, I] with [I, I, K] → [B, K]
    public final func quadraticForm(_ weight: Tensor) -> Tensor {
        guard rank == 2, weight.rank == 3, weight.shape[0] == shape[1], weight.shape[1] == shape[1] else {
            opError("quadraticForm", "expected input [B, I] and weight [I, I, K], got \(shape) and \(weight.shape)")
        }
        let dtype = DType.promoted(self.dtype, weight.dtype)
        if self.dtype != dtype || weight.dtype != dtype { return to(dtype).quadraticForm(weight.to(dtype)) }
        let (b, i, k) = (shape[0], shape[1], weight.shape[2])
        let p = i * (i + 1) / 2
        let x = storage, w = weight.storage
        let packedOuter = Storage(dtype: dtype, count: Swift.max(b * p, 1))
        let out = Tensor(storage: Storage(dtype: dtype, count: b * k), shape: [b, k])
        guard Tensor.needsGrad(self, weight) else {
            // No backward to share the folded weight with: fold it block by block, each block
            // used by its GEMM while it is still in cache.
            switch dtype {
            case .float32: QuadraticForm<Float>(b: b, i: i, k: k).forwardBlocked(x, w, packedOuter, out.storage)
            case .float64: QuadraticForm<Double>(b: b, i: i, k: k).forwardBlocked(x, w, packedOuter, out.storage)
            default: notImplemented("quadraticForm", dtype)
            }
            return out
        }
        let packedWeight = Storage(dtype: dtype, count: Swift.max(p * k, 1))
        switch dtype {
        case .float32: QuadraticForm<Float>(b: b, i: i, k: k).forward(x, w, packedWeight, packedOuter, out.storage)
        case .float64: QuadraticForm<Double>(b: b, i: i, k: k).forward(x, w, packedWeight, packedOuter, out.storage)
        default: notImplemented("quadraticForm", dtype)
        }
        let needX = requiresGrad, needW = weight.requiresGrad, xShape = shape, wShape = weight.shape
        out.record("QuadraticFormBackward0", self, weight) { g in
            let g = g.dtype == dtype ? g : g.to(dtype)
            let dx = needX ? Tensor(storage: Storage(dtype: dtype, count: b * i), shape: xShape) : nil
            let dw = needW ? Tensor(storage: Storage(dtype: dtype, count: i * i * k), shape: wShape) : nil
            switch dtype {
            case .float32:
                QuadraticForm<Float>(b: b, i: i, k: k).backward(
                    g.storage, x, packedWeight, packedOuter, dx: dx?.storage, dw: dw?.storage)
            case .float64:
                QuadraticForm<Double>(b: b, i: i, k: k).backward(
                    g.storage, x, packedWeight, packedOuter, dx: dx?.storage, dw: dw?.storage)
            default: notImplemented("quadraticForm", dtype)
            }
            return [dx, dw]
        }
        return out
    }
}

/// The kernels of ``Tensor/quadraticForm(_:)`` for one dtype and shape.
struct QuadraticForm<T: TensorScalar> {
    let b: Int, i: Int, k: Int
    var p: Int { i * (i + 1) / 2 }

    /// The index of pair (r, r) — the first pair of upper-triangle row r.
    @inline(__always)
    func rowStart(_ r: Int) -> Int { r &* i &- r &* (r &- 1) / 2 }

    /// Runs `body(r, firstPair)` for every upper-triangle row r, split over threads into
    /// ranges of about equal pair counts (rows are `i − r` pairs long).
    func forEachTriangleRow(minWork: Int, _ body: (Int, Int) -> Void) {
        let threads = Swift.min(Parallelism.threadCount, Swift.max(1, p &* k / minWork))
        if threads <= 1 {
            for r in 0..<i { body(r, rowStart(r)) }
            return
        }
        // Row boundaries where the cumulative pair count crosses t·p/threads.
        var bounds = [0]
        for r in 0..<i where bounds.count < threads && rowStart(r) >= bounds.count * p / threads { bounds.append(r) }
        bounds.append(i)
        let parts = bounds.count - 1, fixed = bounds
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendableBox(body)
            DispatchQueue.concurrentPerform(iterations: parts) { t in
                for r in fixed[t]..<fixed[t + 1] { box.value(r, rowStart(r)) }
            }
        }
    }

    /// Writes row r of the folded weight's upper triangle, `S[p(r, c), :] = W[r, c, :] +
    /// W[c, r, :]` for `c > r` and `W[r, r, :]` for `c = r`, to `dst` (`i − r` rows of `k`).
    @inline(__always)
    func foldRow(_ r: Int, _ wp: UnsafeMutablePointer<T>, into dst: UnsafeMutablePointer<T>) {
        let diag = wp + (r &* i &+ r) &* k
        for t in 0..<k { dst[t] = diag[t] }
        for c in (r + 1)..<Swift.max(r + 1, i) {
            let a = wp + (r &* i &+ c) &* k, bT = wp + (c &* i &+ r) &* k, d = dst + (c &- r) &* k
            for t in 0..<k { d[t] = a[t] + bT[t] }
        }
    }

    /// `out = O · S` with `S` and `O` built into `packedWeight` and `packedOuter`.
    func forward(_ x: Storage, _ w: Storage, _ packedWeight: Storage, _ packedOuter: Storage, _ out: Storage) {
        let k = k, b = b, p = p
        let wp = w.pointer(T.self), sp = packedWeight.pointer(T.self), op = packedOuter.pointer(T.self)
        forEachTriangleRow(minWork: 1 << 15) { r, first in foldRow(r, wp, into: sp + first &* k) }
        packOuter(x, packedOuter)
        if b * k == 0 { return }
        if p == 0 { out.raw.initializeMemory(as: UInt8.self, repeating: 0, count: b * k * MemoryLayout<T>.size); return }
        T.gemm(transA: false, transB: false, m: b, n: k, k: p, alpha: 1, a: op, lda: p, b: sp, ldb: k,
               beta: 0, c: out.pointer(T.self), ldc: k)
    }

    /// ``forward(_:_:_:_:_:)`` without keeping the folded weight: it is folded a block of
    /// triangle rows at a time (about 256 KB) into a scratch buffer, and each block's GEMM
    /// accumulates into `out` while the block is still in L2.
    func forwardBlocked(_ x: Storage, _ w: Storage, _ packedOuter: Storage, _ out: Storage) {
        let i = i, k = k, b = b, p = p
        packOuter(x, packedOuter)
        if b * k == 0 { return }
        if p == 0 { out.raw.initializeMemory(as: UInt8.self, repeating: 0, count: b * k * MemoryLayout<T>.size); return }
        let wp = w.pointer(T.self), op = packedOuter.pointer(T.self), yp = out.pointer(T.self)
        let target = Swift.max(i, (256 << 10) / Swift.max(1, k * MemoryLayout<T>.size))
        let block = Storage(dtype: T.dtype, count: (target + i) * k), bp = block.pointer(T.self)
        var r0 = 0
        while r0 < i {
            var r1 = r0, pairs = 0
            while r1 < i && (pairs == 0 || pairs + (i - r1) <= target) { pairs += i - r1; r1 += 1 }
            let start = rowStart(r0), rows = r1 - r0
            parallelChunks(rows, align: 1, unitCost: pairs / rows * k, grain: 1 << 15) { lo, hi in
                for r in (r0 + lo)..<(r0 + hi) { foldRow(r, wp, into: bp + (rowStart(r) - start) &* k) }
            }
            T.gemm(transA: false, transB: false, m: b, n: k, k: pairs, alpha: 1, a: op + start, lda: p, b: bp, ldb: k,
                   beta: r0 == 0 ? 0 : 1, c: yp, ldc: k)
            r0 = r1
        }
        withExtendedLifetime(block) {}
    }

    /// The packed outer product: row b of `packedOuter` holds `x_r x_c` for `r ≤ c`.
    func packOuter(_ x: Storage, _ packedOuter: Storage) {
        let i = i, b = b, p = p
        let xp = x.pointer(T.self), op = packedOuter.pointer(T.self)
        // Each row of pairs is a scaled copy of x[r...].
        parallelChunks(b, align: 1, unitCost: p, grain: 1 << 16) { lo, hi in
            for row in lo..<hi {
                let xr = xp + row &* i, o = op + row &* p
                var q = 0
                for r in 0..<i {
                    let v = xr[r]
                    for c in r..<i { o[q &+ c &- r] = v * xr[c] }
                    q &+= i &- r
                }
            }
        }
    }

    /// The gradients for `g = ∂L/∂y`: `dx` (when given) through `M = g·Sᵀ`, `dw` (when
    /// given) as `D = Oᵀ·g` mirrored onto both triangles.
    func backward(_ g: Storage, _ x: Storage, _ packedWeight: Storage, _ packedOuter: Storage, dx: Storage?, dw: Storage?) {
        let i = i, k = k, b = b, p = p
        let gp = g.pointer(T.self), xp = x.pointer(T.self)
        if let dw {
            let wp = dw.pointer(T.self)
            if p * k > 0 && b > 0 {
                let d = Storage(dtype: T.dtype, count: p * k), dp = d.pointer(T.self)
                T.gemm(transA: true, transB: false, m: p, n: k, k: b, alpha: 1, a: packedOuter.pointer(T.self), lda: p,
                       b: gp, ldb: k, beta: 0, c: dp, ldc: k)
                forEachTriangleRow(minWork: 1 << 15) { r, first in
                    for c in r..<i {
                        let s = dp + (first &+ c &- r) &* k
                        let upper = wp + (r &* i &+ c) &* k, lower = wp + (c &* i &+ r) &* k
                        for t in 0..<k { upper[t] = s[t] }
                        if c != r { for t in 0..<k { lower[t] = s[t] } }
                    }
                }
                withExtendedLifetime(d) {}
            } else {
                dw.raw.initializeMemory(as: UInt8.self, repeating: 0, count: i * i * k * MemoryLayout<T>.size)
            }
        }
        if let dx {
            let dxp = dx.pointer(T.self)
            if p * k == 0 || b == 0 {
                dx.raw.initializeMemory(as: UInt8.self, repeating: 0, count: b * i * MemoryLayout<T>.size)
                return
            }
            let m = Storage(dtype: T.dtype, count: b * p), mp = m.pointer(T.self)
            T.gemm(transA: false, transB: true, m: b, n: p, k: k, alpha: 1, a: gp, lda: k,
                   b: packedWeight.pointer(T.self), ldb: k, beta: 0, c: mp, ldc: p)
            parallelChunks(b, align: 1, unitCost: p, grain: 1 << 16) { lo, hi in
                for row in lo..<hi {
                    let xr = xp + row &* i, mr = mp + row &* p, d = dxp + row &* i
                    for c in 0..<i { d[c] = 0 }
                    var q = 0
                    for r in 0..<i {
                        // Pairs (r, c), c ≥ r: ∂/∂x_r gets Σ_c M x_c (the diagonal twice), ∂/∂x_c gets M x_r.
                        let v = xr[r], mrow = mr + q
                        var acc = mrow[0] * v
                        d[r] += mrow[0] * v
                        for c in (r + 1)..<Swift.max(r + 1, i) {
                            let mv = mrow[c &- r]
                            acc += mv * xr[c]
                            d[c] += mv * v
                        }
                        d[r] += acc
                        q &+= i &- r
                    }
                }
            }
            withExtendedLifetime(m) {}
        }
    }
}
