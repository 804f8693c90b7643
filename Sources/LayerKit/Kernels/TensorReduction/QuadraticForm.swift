import CKernels

// The quadratic form y_bk = Σ_ij W_ijk x_bi x_bj (einsum "bi,ijk,bj->bk") over the symmetric
// half of the outer product, with its backward beside it.
//
// x_bi x_bj is symmetric in (i, j), so only the P = I(I+1)/2 pairs i ≤ j are needed:
//     y = O · S,   O_b,p(i,j) = x_bi x_bj (i ≤ j),   S_p(i,i) = W_ii,   S_p(i,j) = W_ij + W_ji (i < j),
// half the GEMM of the full [B, I²] · [I², K] product, and half the weight traffic. Pairs are
// numbered row by row of the upper triangle: p(i, j) = i·I − i(i−1)/2 + (j − i).
// S is stored transposed, Sᵀ [K, P], so that both GEMM operands run along P (OpenBLAS packs a
// "TN" product straight from contiguous rows; for B = 32, K = 128, P = 8256 it was up to twice
// as fast as the "NN" product over S [P, K]). For small batches the forward is computed as
// yᵀ = Sᵀ·Oᵀ ([K, B]) and transposed into y. On an AVX-512 CPU the float32 forward (K ≥ 32)
// runs instead through LayerKit's own 8 × 32 tile kernel (`lk_quadratic_tile`) over a second
// layout of S, in panels
// of 32 columns, so the weight is never repacked per call (OpenBLAS spends about 40% of the
// TN product repacking it). Notes/reduction-speed.md has the measurements.
// Backward, with g = ∂L/∂y:
//     ∂L/∂W_ijk = ∂L/∂W_jik = D_p(i,j),k with D = Oᵀ·g  (one [P, B]·[B, K] GEMM, mirrored);
//     M = g·Sᵀ ([B, P]), and ∂L/∂x_bi = 2·M_b,p(i,i) x_bi + Σ_{j≠i} M_b,p(min,max) x_bj.
// Where the tile kernel runs (float32, K ≥ 32, AVX-512) both come from it, so OpenBLAS repacks
// nothing: D is never formed (with K a multiple of 32, the kernel computes D_p(r,c) =
// Σ_b x_bc·(x_br g_b) eight pairs at a time and stores each tile straight into both triangles
// of ∂L/∂W), and M is computed over a third layout of S in 32-pair panels, built with the
// forward's in one pass over W when the input needs a gradient.
// S depends only on W: it is built once per change of W's contents and kept with W's buffer
// (``Storage/derived(_:make:)``, dropped by any write access to that buffer: an optimiser step,
// `copy(from:)`, `fill`, in-place arithmetic, loading a state dict, gradCheck's perturbations),
// and shared by the forward and the input gradient. A forward then costs the packing of O and
// one product.

extension Tensor {
    /// The quadratic form `y[b, k] = Σ_ij weight[i, j, k] · self[b, i] · self[b, j]`
    /// (`torch.einsum("bi,ijk,bj->bk", x, W, x)`) for `self` of shape `[B, I]` and `weight`
    /// of shape `[I, I, K]`, differentiable in both.
    ///
    /// It runs over the `I(I+1)/2` pairs `i ≤ j` only: the weight is folded into
    /// `W_ij + W_ji` and the outer product is packed, so the product costs half the flops of
    /// the full `[B, I²]·[I², K]` one. The folded weight (`I(I+1)/2 × K` elements, in one or
    /// two layouts) is kept with the weight's buffer and reused until that buffer is written
    /// to. The weight keeps
    /// PyTorch's `[I, I, K]` layout and its gradient is symmetric in `(i, j)`, as the einsum's is.
    ///
    ///     let y = x.quadraticForm(w)     // [B, I] with [I, I, K] → [B, K]
    public final func quadraticForm(_ weight: Tensor) -> Tensor {
        guard rank == 2, weight.rank == 3, weight.shape[0] == shape[1], weight.shape[1] == shape[1] else {
            opError("quadraticForm", "expected input [B, I] and weight [I, I, K], got \(shape) and \(weight.shape)")
        }
        let dtype = DType.promoted(self.dtype, weight.dtype)
        if self.dtype != dtype || weight.dtype != dtype { return to(dtype).quadraticForm(weight.to(dtype)) }
        struct Forward: FloatKernel {
            let x: Tensor, weight: Tensor
            func run<T: KernelScalar>(_: T.Type) -> Tensor {
                x.quadraticForm(weight, QuadraticForm<T>(b: x.shape[0], i: x.shape[1], k: weight.shape[2]))
            }
        }
        return dtype.dispatch("quadraticForm", Forward(x: self, weight: weight))
    }

    private final func quadraticForm<T: KernelScalar>(_ weight: Tensor, _ q: QuadraticForm<T>) -> Tensor {
        let x = storage
        let out = Tensor(storage: Storage(dtype: T.dtype, count: q.b * q.k), shape: [q.b, q.k])
        let needsGrad = Tensor.needsGrad(self, weight)
        if T.hasQuadraticTile && KernelStrategy.quadraticTile(outputs: q.k) && q.b > 0 && q.p > 0 {
            // The forward through LayerKit's own kernel over the panel-packed fold; when the
            // input needs a gradient, over the buffer that also holds the pair-panel fold for
            // its M = g·Sᵀ (the weight gradient reads no fold).
            let tiles = QuadraticTiles(b: q.b, i: q.i, k: q.k)
            let packedOuter = Storage(dtype: T.dtype, count: tiles.paddedRows * q.p)
            q.packOuter(x, packedOuter, paddedRows: tiles.paddedRows)
            guard needsGrad && requiresGrad else {
                tiles.forward(packedOuter, q.panelWeight(weight.storage), out.storage)
                return needsGrad ? recordBackward(weight, q, out, fold: .none, packedOuter: packedOuter) : out
            }
            let (folds, panelOffset) = q.pairAndColumnPanels(weight.storage)
            tiles.forward(packedOuter, folds, out.storage, panelOffset: panelOffset)
            return recordBackward(weight, q, out, fold: .pairPanels(folds), packedOuter: packedOuter)
        }
        let folded = q.foldedWeight(weight.storage)
        let packedOuter = Storage(dtype: T.dtype, count: Swift.max(q.b * q.p, 1))
        q.packOuter(x, packedOuter)
        q.forward(packedOuter, folded, out.storage)
        guard needsGrad else { return out }
        return recordBackward(weight, q, out, fold: .transposed(folded), packedOuter: packedOuter)
    }

    /// Records the backward of `out = self.quadraticForm(weight)`, from a layout of the fold (for
    /// the input gradient) and the packed outer product (whose first `q.b` rows are used).
    private final func recordBackward<T: KernelScalar>(
        _ weight: Tensor, _ q: QuadraticForm<T>, _ out: Tensor, fold: QuadraticFold, packedOuter: Storage
    ) -> Tensor {
        let x = storage
        let needX = requiresGrad, needW = weight.requiresGrad, xShape = shape, wShape = weight.shape
        out.record("QuadraticFormBackward0", self, weight) { g in
            let g = g.dtype == T.dtype ? g : g.to(T.dtype)
            let dx = needX ? Tensor(storage: Storage(dtype: T.dtype, count: q.b * q.i), shape: xShape) : nil
            let dw = needW ? Tensor(storage: Storage(dtype: T.dtype, count: q.i * q.i * q.k), shape: wShape) : nil
            q.backward(g.storage, x, fold, packedOuter, dx: dx?.storage, dw: dw?.storage)
            return [dx, dw]
        }
        return out
    }
}

/// The layout of the folded weight a recorded backward computes the input gradient's
/// `M = g·Sᵀ` from.
enum QuadraticFold {
    /// No input gradient is needed.
    case none
    /// The transposed fold `Sᵀ` (`k × p`), for an OpenBLAS product.
    case transposed(Storage)
    /// The pair-panel fold at offset 0 (see ``QuadraticForm/pairAndColumnPanels(_:)``), for
    /// LayerKit's tile kernel.
    case pairPanels(Storage)
}

/// The kernels of ``Tensor/quadraticForm(_:)`` for one dtype and shape.
struct QuadraticForm<T: KernelScalar> {
    let b: Int, i: Int, k: Int
    var p: Int { i * (i + 1) / 2 }

    /// The index of pair (r, r) — the first pair of upper-triangle row r.
    @inline(__always)
    func rowStart(_ r: Int) -> Int { r &* i &- r &* (r &- 1) / 2 }

    /// Runs `body(r, firstPair)` for every upper-triangle row r in `rows` (all by default),
    /// split over threads into ranges of about equal pair counts (rows are `i − r` pairs long).
    func forEachTriangleRow(_ rows: Range<Int>? = nil, minWork: Int, _ body: (Int, Int) -> Void) {
        forEachTriangleRowRange(rows, minWork: minWork) { range in for r in range { body(r, rowStart(r)) } }
    }

    /// Runs `body` on ranges of upper-triangle rows covering `rows` (all by default), one range
    /// per thread, of about equal pair counts (rows are `i − r` pairs long).
    func forEachTriangleRowRange(_ rows: Range<Int>? = nil, minWork: Int, _ body: (Range<Int>) -> Void) {
        let rows = rows ?? 0..<i
        let start = rowStart(rows.lowerBound), pairs = rowStart(rows.upperBound) &- start
        let threads = Swift.min(Parallelism.threadCount, Swift.max(1, pairs &* k / minWork))
        if threads <= 1 {
            body(rows)
            return
        }
        // Row boundaries where the cumulative pair count crosses t·pairs/threads.
        var bounds = [rows.lowerBound]
        for r in rows where bounds.count < threads && rowStart(r) &- start >= bounds.count * pairs / threads { bounds.append(r) }
        bounds.append(rows.upperBound)
        parallelTasks(bounds.count - 1) { t in body(bounds[t]..<bounds[t + 1]) }
    }


    /// `out = O · S` for the packed outer product `O` (`b × p`) and the transposed fold `Sᵀ` (`k × p`).
    func forward(_ packedOuter: Storage, _ folded: Storage, _ out: Storage) {
        if b * k == 0 { return }
        if p == 0 { out.zero(); return }
        let op = packedOuter.readPointer(T.self), sp = folded.readPointer(T.self), yp = out.pointer(T.self)
        if KernelStrategy.quadraticForwardTransposed(batch: b, outputs: k) {
            let yt = Storage(dtype: T.dtype, count: k * b), tp = yt.pointer(T.self)
            T.gemm(transA: false, transB: true, m: k, n: b, k: p, alpha: 1, a: sp, lda: p, b: op, ldb: p,
                   beta: 0, c: tp, ldc: b)
            for t in 0..<k { for row in 0..<b { yp[row &* k &+ t] = tp[t &* b &+ row] } }
            withExtendedLifetime(yt) {}
        } else {
            T.gemm(transA: false, transB: true, m: b, n: k, k: p, alpha: 1, a: op, lda: p, b: sp, ldb: p,
                   beta: 0, c: yp, ldc: k)
        }
    }

    /// The packed outer product: row b of `packedOuter` holds `x_r x_c` for `r ≤ c`; rows
    /// `b..<paddedRows` (when more than `b`) are zeros.
    func packOuter(_ x: Storage, _ packedOuter: Storage, paddedRows: Int? = nil) {
        let i = i, b = b, p = p
        let xp = x.readPointer(T.self), op = packedOuter.pointer(T.self)
        if let paddedRows, paddedRows > b { (op + b &* p).initialize(repeating: 0, count: (paddedRows &- b) &* p) }
        // Each row of pairs is a scaled copy of x[r...].
        let level = KernelStrategy.level
        parallelChunks(b, align: 1, unitCost: p) { lo, hi in
            for row in lo..<hi { T.packOuterRow(i, xp + row &* i, op + row &* p, level: level) }
        }
    }

    /// The gradients for `g = ∂L/∂y`: `dx` (when given) through `M = g·Sᵀ` (from `fold`), `dw` (when
    /// given) as `D = Oᵀ·g` mirrored onto both triangles.
    func backward(_ g: Storage, _ x: Storage, _ fold: QuadraticFold, _ packedOuter: Storage, dx: Storage?, dw: Storage?) {
        let i = i, k = k, b = b, p = p
        let gp = g.readPointer(T.self), xp = x.readPointer(T.self)
        if let dw {
            let wp = dw.pointer(T.self)
            if T.hasQuadraticTile && KernelStrategy.quadraticWeightGradientTile(outputs: k) && p > 0 && b > 0 {
                QuadraticTiles(b: b, i: i, k: k).weightGradient(g, x, dw)
            } else if p * k > 0 && b > 0 {
                // D a block of triangle rows at a time (about 1 MB of D), each block mirrored
                // into both triangles of dW while it is still in L2.
                let target = Swift.max(i, (1 << 20) / Swift.max(1, k * MemoryLayout<T>.size))
                let d = Storage(dtype: T.dtype, count: (target + i) * k), dp = d.pointer(T.self)
                let op = packedOuter.readPointer(T.self)
                var r0 = 0
                while r0 < i {
                    var r1 = r0, pairs = 0
                    while r1 < i && (pairs == 0 || pairs + (i - r1) <= target) { pairs += i - r1; r1 += 1 }
                    let start = rowStart(r0)
                    T.gemm(transA: true, transB: false, m: pairs, n: k, k: b, alpha: 1, a: op + start, lda: p,
                           b: gp, ldb: k, beta: 0, c: dp, ldc: k)
                    forEachTriangleRow(r0..<r1, minWork: KernelStrategy.foldGrain) { r, pair in
                        let first = pair &- start
                        for c in r..<i {
                            let s = dp + (first &+ c &- r) &* k
                            let upper = wp + (r &* i &+ c) &* k, lower = wp + (c &* i &+ r) &* k
                            for t in 0..<k { upper[t] = s[t] }
                            if c != r { for t in 0..<k { lower[t] = s[t] } }
                        }
                    }
                    r0 = r1
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
            let m: Storage, ld: Int
            switch fold {
            case .pairPanels(let panels):
                (m, ld) = QuadraticTiles(b: b, i: i, k: k).inputGradient(g, panels)
            case .transposed(let folded):
                (m, ld) = (Storage(dtype: T.dtype, count: b * p), p)
                T.gemm(transA: false, transB: false, m: b, n: p, k: k, alpha: 1, a: gp, lda: k,
                       b: folded.readPointer(T.self), ldb: p, beta: 0, c: m.pointer(T.self), ldc: p)
            case .none:
                opError("quadraticForm", "an input gradient was asked for, but the forward kept no fold (x \([b, i]))")
            }
            let mp = m.readPointer(T.self), level = KernelStrategy.level
            parallelChunks(b, align: 1, unitCost: p) { lo, hi in
                for row in lo..<hi { T.quadraticInputGradientRow(i, xp + row &* i, mp + row &* ld, dxp + row &* i, level: level) }
            }
            withExtendedLifetime(m) {}
        }
    }
}

