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
// S depends only on W: it is built once per change of W's contents and kept with W's buffer
// (``Storage/derived(_:make:)``, dropped by any write access to that buffer: an optimiser step,
// `copy(from:)`, `fill`, in-place arithmetic, loading a state dict, gradCheck's perturbations),
// and shared by the forward and the input gradient. A forward then costs the packing of O and
// one GEMM.

extension Tensor {
    /// The quadratic form `y[b, k] = Σ_ij weight[i, j, k] · self[b, i] · self[b, j]`
    /// (`torch.einsum("bi,ijk,bj->bk", x, W, x)`) for `self` of shape `[B, I]` and `weight`
    /// of shape `[I, I, K]`, differentiable in both.
    ///
    /// It runs over the `I(I+1)/2` pairs `i ≤ j` only: the weight is folded into
    /// `W_ij + W_ji` and the outer product is packed, so the product costs half the flops of
    /// the full `[B, I²]·[I², K]` one. The folded weight (`I(I+1)/2 × K` elements) is kept
    /// with the weight's buffer and reused until that buffer is written to. The weight keeps
    /// PyTorch's `[I, I, K]` layout and its gradient is symmetric in `(i, j)`, as the einsum's is.
    ///
    ///     let y = x.quadraticForm(w)     // [B, I] with [I, I, K] → [B, K]
    public final func quadraticForm(_ weight: Tensor) -> Tensor {
        guard rank == 2, weight.rank == 3, weight.shape[0] == shape[1], weight.shape[1] == shape[1] else {
            opError("quadraticForm", "expected input [B, I] and weight [I, I, K], got \(shape) and \(weight.shape)")
        }
        let dtype = DType.promoted(self.dtype, weight.dtype)
        if self.dtype != dtype || weight.dtype != dtype { return to(dtype).quadraticForm(weight.to(dtype)) }
        switch dtype {
        case .float32: return quadraticForm(weight, QuadraticForm<Float>(b: shape[0], i: shape[1], k: weight.shape[2]))
        case .float64: return quadraticForm(weight, QuadraticForm<Double>(b: shape[0], i: shape[1], k: weight.shape[2]))
        default: notImplemented("quadraticForm", dtype)
        }
    }

    private final func quadraticForm<T: TensorScalar>(_ weight: Tensor, _ q: QuadraticForm<T>) -> Tensor {
        let x = storage, folded = q.foldedWeight(weight.storage)
        let packedOuter = Storage(dtype: T.dtype, count: Swift.max(q.b * q.p, 1))
        let out = Tensor(storage: Storage(dtype: T.dtype, count: q.b * q.k), shape: [q.b, q.k])
        q.packOuter(x, packedOuter)
        q.forward(packedOuter, folded, out.storage)
        guard Tensor.needsGrad(self, weight) else { return out }
        let needX = requiresGrad, needW = weight.requiresGrad, xShape = shape, wShape = weight.shape
        out.record("QuadraticFormBackward0", self, weight) { g in
            let g = g.dtype == T.dtype ? g : g.to(T.dtype)
            let dx = needX ? Tensor(storage: Storage(dtype: T.dtype, count: q.b * q.i), shape: xShape) : nil
            let dw = needW ? Tensor(storage: Storage(dtype: T.dtype, count: q.i * q.i * q.k), shape: wShape) : nil
            q.backward(g.storage, x, folded, packedOuter, dx: dx?.storage, dw: dw?.storage)
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
    func foldRow(_ r: Int, _ wp: UnsafePointer<T>, into dst: UnsafeMutablePointer<T>) {
        let diag = wp + (r &* i &+ r) &* k
        for t in 0..<k { dst[t] = diag[t] }
        for c in (r + 1)..<Swift.max(r + 1, i) {
            let a = wp + (r &* i &+ c) &* k, bT = wp + (c &* i &+ r) &* k, d = dst + (c &- r) &* k
            for t in 0..<k { d[t] = a[t] + bT[t] }
        }
    }

    /// The folded weight `S` (`p × k`) of `w`, kept with `w`'s buffer until it is written to.
    func foldedWeight(_ w: Storage) -> Storage {
        w.derived(DerivedKey("quadraticForm.fold", [i, k])) { w in
            let folded = Storage(dtype: T.dtype, count: Swift.max(p &* k, 1))
            let wp = w.readPointer(T.self), sp = folded.pointer(T.self), k = k
            forEachTriangleRow(minWork: 1 << 15) { r, first in foldRow(r, wp, into: sp + first &* k) }
            return folded
        }
    }

    /// `out = O · S` for the packed outer product `O` and the folded weight `S`.
    func forward(_ packedOuter: Storage, _ folded: Storage, _ out: Storage) {
        if b * k == 0 { return }
        if p == 0 { out.zero(); return }
        T.gemm(transA: false, transB: false, m: b, n: k, k: p, alpha: 1, a: packedOuter.readPointer(T.self), lda: p,
               b: folded.readPointer(T.self), ldb: k, beta: 0, c: out.pointer(T.self), ldc: k)
    }

    /// The packed outer product: row b of `packedOuter` holds `x_r x_c` for `r ≤ c`.
    func packOuter(_ x: Storage, _ packedOuter: Storage) {
        let i = i, b = b, p = p
        let xp = x.readPointer(T.self), op = packedOuter.pointer(T.self)
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
    func backward(_ g: Storage, _ x: Storage, _ folded: Storage, _ packedOuter: Storage, dx: Storage?, dw: Storage?) {
        let i = i, k = k, b = b, p = p
        let gp = g.readPointer(T.self), xp = x.readPointer(T.self)
        if let dw {
            let wp = dw.pointer(T.self)
            if p * k > 0 && b > 0 {
                let d = Storage(dtype: T.dtype, count: p * k), dp = d.pointer(T.self)
                T.gemm(transA: true, transB: false, m: p, n: k, k: b, alpha: 1, a: packedOuter.readPointer(T.self), lda: p,
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
                dw.zero()
            }
        }
        if let dx {
            let dxp = dx.pointer(T.self)
            if p * k == 0 || b == 0 {
                dx.zero()
                return
            }
            let m = Storage(dtype: T.dtype, count: b * p), mp = m.pointer(T.self)
            T.gemm(transA: false, transB: true, m: b, n: p, k: k, alpha: 1, a: gp, lda: k,
                   b: folded.readPointer(T.self), ldb: k, beta: 0, c: mp, ldc: p)
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
