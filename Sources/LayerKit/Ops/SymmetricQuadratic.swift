import CBLAS
import Dispatch

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
// yᵀ = Sᵀ·Oᵀ ([K, B]) and transposed into y. In AVX-512 builds the float32 forward (K ≥ 32)
// runs instead through LayerKit's own 8 × 32 tile kernel over a second layout of S, in panels
// of 32 columns, so the weight is never repacked per call (OpenBLAS spends about 40% of the
// TN product repacking it). Notes/reduction-speed.md has the measurements.
// Backward, with g = ∂L/∂y:
//     ∂L/∂W_ijk = ∂L/∂W_jik = D_p(i,j),k with D = Oᵀ·g  (one [P, B]·[B, K] GEMM, mirrored);
//     M = g·Sᵀ ([B, P]), and ∂L/∂x_bi = 2·M_b,p(i,i) x_bi + Σ_{j≠i} M_b,p(min,max) x_bj.
// In the kernel's builds (float32, K ≥ 32) both come from the tile kernel, so OpenBLAS repacks
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
        switch dtype {
        case .float32: return quadraticForm(weight, QuadraticForm<Float>(b: shape[0], i: shape[1], k: weight.shape[2]))
        case .float64: return quadraticForm(weight, QuadraticForm<Double>(b: shape[0], i: shape[1], k: weight.shape[2]))
        default: notImplemented("quadraticForm", dtype)
        }
    }

    private final func quadraticForm<T: TensorScalar>(_ weight: Tensor, _ q: QuadraticForm<T>) -> Tensor {
        let x = storage
        let out = Tensor(storage: Storage(dtype: T.dtype, count: q.b * q.k), shape: [q.b, q.k])
        let needsGrad = Tensor.needsGrad(self, weight)
        if T.self == Float.self && PanelKernel.use(outputs: q.k) && q.b > 0 && q.p > 0 {
            // The forward through LayerKit's own kernel over the panel-packed fold; when the
            // input needs a gradient, over the buffer that also holds the pair-panel fold for
            // its M = g·Sᵀ (the weight gradient reads no fold).
            let packedOuter = Storage(dtype: T.dtype, count: q.paddedRows * q.p)
            q.packOuter(x, packedOuter, paddedRows: q.paddedRows)
            guard needsGrad && requiresGrad else {
                q.forwardPanels(packedOuter, q.panelWeight(weight.storage), out.storage)
                return needsGrad ? recordBackward(weight, q, out, fold: .none, packedOuter: packedOuter) : out
            }
            let (folds, panelOffset) = q.pairAndColumnPanels(weight.storage)
            q.forwardPanels(packedOuter, folds, out.storage, panelOffset: panelOffset)
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
    private final func recordBackward<T: TensorScalar>(
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
struct QuadraticForm<T: TensorScalar> {
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
        let parts = bounds.count - 1, fixed = bounds
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendableBox(body)
            DispatchQueue.concurrentPerform(iterations: parts) { t in box.value(fixed[t]..<fixed[t + 1]) }
        }
    }

    /// Writes row r of the folded weight's upper triangle, `S[p(r, c), t] = W[r, c, t] + W[c, r, t]`
    /// for `c > r`, `W[r, r, t]` for `c = r`: into the transposed fold `Sᵀ` (`k × p`, element
    /// `(t, q)` at `t·p + q`), or with `pairPanels` into the pair-panel fold (element `(t, q)` at
    /// `(q / 32)·32k + 32t + q % 32`, see ``pairAndColumnPanels(_:)``). Blocks of 16 `t` keep the
    /// 16 destination rows being filled in L1.
    @inline(__always)
    func foldRow(_ r: Int, first: Int, _ wp: UnsafePointer<T>, into st: UnsafeMutablePointer<T>, pairPanels: Bool = false) {
        let tStride = pairPanels ? 32 : p, panelSize = k &* 32
        @inline(__always) func at(_ q: Int) -> Int { pairPanels ? (q &>> 5) &* panelSize &+ (q & 31) : q }
        let diag = wp + (r &* i &+ r) &* k, diagDst = st + at(first)
        var t0 = 0
        while t0 < k {
            let t1 = Swift.min(k, t0 &+ 16)
            for t in t0..<t1 { diagDst[t &* tStride] = diag[t] }
            for c in (r + 1)..<Swift.max(r + 1, i) {
                let a = wp + (r &* i &+ c) &* k, bT = wp + (c &* i &+ r) &* k, d = st + at(first &+ c &- r)
                for t in t0..<t1 { d[t &* tStride] = a[t] + bT[t] }
            }
            t0 = t1
        }
    }

    /// The transposed folded weight `Sᵀ` (`k × p`) of `w`, kept with `w`'s buffer until that
    /// buffer is written to.
    func foldedWeight(_ w: Storage) -> Storage {
        w.derived(DerivedKey("quadraticForm.fold", [i, k])) { w in
            let folded = Storage(dtype: T.dtype, count: Swift.max(p &* k, 1))
            let wp = w.readPointer(T.self), sp = folded.pointer(T.self)
            forEachTriangleRow(minWork: 1 << 15) { r, first in foldRow(r, first: first, wp, into: sp) }
            return folded
        }
    }

    /// Whether the forward computes `yᵀ = Sᵀ·Oᵀ` and transposes it (small batches), rather than
    /// `y = O·S` straight into `out`.
    var forwardTransposed: Bool { b <= k }

    /// `out = O · S` for the packed outer product `O` (`b × p`) and the transposed fold `Sᵀ` (`k × p`).
    func forward(_ packedOuter: Storage, _ folded: Storage, _ out: Storage) {
        if b * k == 0 { return }
        if p == 0 { out.zero(); return }
        let op = packedOuter.readPointer(T.self), sp = folded.readPointer(T.self), yp = out.pointer(T.self)
        if forwardTransposed {
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

    /// The rows of the panel kernel's packed outer product: `b` rounded up to its 8-row tiles.
    var paddedRows: Int { (b + 7) / 8 * 8 }
    /// The 32-column panels of the panel-packed fold.
    var panelCount: Int { (k + 31) / 32 }

    /// The fold packed for ``forwardPanels(_:_:_:panelOffset:)``: panel `n` holds
    /// `S[q, 32n ..< 32n + 32]` for every pair `q` in turn (`p × 32` contiguous, columns past `k`
    /// zero), kept with `w`'s buffer until that buffer is written to.
    func panelWeight(_ w: Storage) -> Storage {
        w.derived(DerivedKey("quadraticForm.panels", [i, k])) { w in
            let packed = Storage(dtype: T.dtype, count: panelCount &* p &* 32)
            let wp = w.readPointer(T.self), sp = packed.pointer(T.self)
            forEachTriangleRow(minWork: 1 << 15) { r, first in panelRow(r, first: first, wp, into: sp) }
            return packed
        }
    }

    /// The 32-pair panels of the pair-panel fold.
    var pairPanelCount: Int { (p + 31) / 32 }

    /// The two layouts of the fold a forward with an input gradient needs, in one buffer built
    /// in one pass over `w` (a step of training changes the weight): at offset 0 the pair-panel
    /// fold, for the input gradient's `M = g·Sᵀ` (panel `n` holds `S[32n ..< 32n + 32, t]` for
    /// every `t` in turn, `k × 32` contiguous, pairs past `p` zero), and then the column-panel
    /// fold of ``panelWeight(_:)`` for the forward, at the returned offset. Kept with `w`'s
    /// buffer until that buffer is written to.
    func pairAndColumnPanels(_ w: Storage) -> (folds: Storage, panelOffset: Int) {
        let offset = pairPanelCount &* 32 &* k
        let folds = w.derived(DerivedKey("quadraticForm.pairPanels+panels", [i, k])) { w in
            let both = Storage(dtype: T.dtype, count: offset &+ panelCount &* p &* 32)
            let wp = w.readPointer(T.self), sp = both.pointer(T.self), tail = p & 31
            if tail != 0 {
                let last = sp + (pairPanelCount &- 1) &* 32 &* k
                for t in 0..<k { (last + (t &* 32 &+ tail)).initialize(repeating: 0, count: 32 &- tail) }
            }
            forEachTriangleRow(minWork: 1 << 14) { r, first in
                foldRow(r, first: first, wp, into: sp, pairPanels: true)
                panelRow(r, first: first, wp, into: sp + offset)
            }
            return both
        }
        return (folds, offset)
    }

    /// The input gradient's `M = g·Sᵀ` through
    /// ``quadraticPanelTile(_:_:_:_:_:_:accumulate:rows:mirror:ldm:)`` from the pair-panel fold
    /// (see ``pairAndColumnPanels(_:)``), so OpenBLAS does not repack `Sᵀ` per call: tiles of 8
    /// rows of `g` and one 32-pair panel, split over threads, a panel's tiles one after another
    /// so the panel is read from memory once. Returns `M` (`paddedRows` rows of `ld` elements,
    /// pair `q` in column `q`) and `ld`.
    func inputGradientPanels(_ g: Storage, _ panels: Storage) -> (m: Storage, ld: Int) {
        let rows = paddedRows, ld = pairPanelCount &* 32, b = b, k = k, rowTiles = rows / 8
        // g with zero rows up to the 8-row tiles (a tile reads 8 rows).
        var padded: Storage?
        if rows != b {
            let gp = Storage(dtype: T.dtype, count: rows &* k), d = gp.pointer(T.self)
            d.update(from: g.readPointer(T.self), count: b &* k)
            (d + b &* k).initialize(repeating: 0, count: (rows &- b) &* k)
            padded = gp
        }
        let m = Storage(dtype: T.dtype, count: rows &* ld)
        let gf = UnsafeRawPointer((padded ?? g).readPointer(T.self)).assumingMemoryBound(to: Float.self)
        let sf = UnsafeRawPointer(panels.readPointer(T.self)).assumingMemoryBound(to: Float.self)
        let mf = UnsafeMutableRawPointer(m.pointer(T.self)).assumingMemoryBound(to: Float.self)
        parallelChunks(rowTiles &* pairPanelCount, align: 1, unitCost: 8 &* 32 &* k, grain: 1 << 20) { lo, hi in
            for tile in lo..<hi {
                let n: Int = tile / rowTiles, row: Int = (tile &- n &* rowTiles) &* 8
                quadraticPanelTile(gf + row &* k, k, sf + n &* 32 &* k, k, mf + (row &* ld &+ n &* 32), ld, accumulate: false)
            }
        }
        withExtendedLifetime(padded) {}
        return (m, ld)
    }

    /// Writes triangle row r of the panel-packed fold (see ``panelWeight(_:)``).
    @inline(__always)
    func panelRow(_ r: Int, first: Int, _ wp: UnsafePointer<T>, into sp: UnsafeMutablePointer<T>) {
        let panels = panelCount
        for c in r..<i {
            let a = wp + (r &* i &+ c) &* k, bT = wp + (c &* i &+ r) &* k, q = first &+ c &- r
            for n in 0..<panels {
                let dst = sp + (n &* p &+ q) &* 32, t0 = n &* 32, width = Swift.min(32, k &- t0)
                if c == r {
                    for j in 0..<width { dst[j] = a[t0 &+ j] }
                } else {
                    for j in 0..<width { dst[j] = a[t0 &+ j] + bT[t0 &+ j] }
                }
                for j in width..<32 { dst[j] = 0 }
            }
        }
    }

    /// `out = O · S` through ``quadraticPanelTile(_:_:_:_:_:_:accumulate:rows:mirror:ldm:)``, over tiles of 8
    /// rows of `O` (`paddedRows × p`) and one 32-column panel of `S`, split over threads, with
    /// the pairs in blocks of 1024 so that a tile's slices of `O` and `S` stay in L2.
    func forwardPanels(_ packedOuter: Storage, _ panels: Storage, _ out: Storage, panelOffset: Int = 0) {
        let rows = paddedRows, width = panelCount &* 32, p = p, b = b, k = k
        let direct = rows == b && width == k
        let y = direct ? out : Storage(dtype: T.dtype, count: rows &* width)
        let op = UnsafeRawPointer(packedOuter.readPointer(T.self)).assumingMemoryBound(to: Float.self)
        let sp = UnsafeRawPointer(panels.readPointer(T.self) + panelOffset).assumingMemoryBound(to: Float.self)
        let yp = UnsafeMutableRawPointer(y.pointer(T.self)).assumingMemoryBound(to: Float.self)
        let rowTiles = rows / 8, tiles = rowTiles &* panelCount
        parallelChunks(tiles, align: 1, unitCost: 8 &* 32 &* p, grain: 1 << 20) { lo, hi in
            var pc = 0
            while pc < p {
                let count = Swift.min(1024, p &- pc)
                for tile in lo..<hi {
                    let n: Int = tile / rowTiles, m: Int = tile &- n &* rowTiles
                    let oOffset: Int = m &* 8 &* p &+ pc, sOffset: Int = (n &* p &+ pc) &* 32
                    let yOffset: Int = m &* 8 &* width &+ n &* 32
                    quadraticPanelTile(op + oOffset, p, sp + sOffset, count, yp + yOffset, width, accumulate: pc > 0)
                }
                pc &+= count
            }
        }
        if !direct {
            let src = y.readPointer(T.self), dst = out.pointer(T.self)
            for row in 0..<b { (dst + row &* k).update(from: src + row &* width, count: k) }
        }
    }

    /// `dW` through ``quadraticPanelTile(_:_:_:_:_:_:accumulate:rows:mirror:ldm:)``, with no
    /// `D` buffer and nothing repacked by OpenBLAS: `D_p(r,c),t = Σ_b x_bc · (x_br g_bt)`, so for
    /// each triangle row r the tile's rows are rows of `xᵀ` (`i × b`, contiguous) and its panel
    /// is `x_br g_b,32n..<32n+32` (built per row, `b × 32` contiguous per panel); each 8 × 32
    /// tile goes straight into `dW[r, c, ·]` and its mirror `dW[c, r, ·]`. Needs `k % 32 == 0`.
    /// At B = 256 it measured as fast as OpenBLAS's `D = Oᵀ·g` at 1 thread and faster at 2
    /// (Notes/reduction-speed.md), so it is used for every batch size.
    func weightGradientPanels(_ g: Storage, _ x: Storage, _ dw: Storage) {
        let i = i, b = b, k = k, panels = panelCount
        let xp = x.readPointer(T.self), gp = g.readPointer(T.self)
        // xᵀ with 8 zero rows past the end: a tile reads 8 rows even where fewer are stored.
        let xt = Storage(dtype: T.dtype, count: (i &+ 8) &* b), xtp = xt.pointer(T.self)
        (xtp + i &* b).initialize(repeating: 0, count: 8 &* b)
        for row in 0..<b { for c in 0..<i { xtp[c &* b &+ row] = xp[row &* i &+ c] } }
        let xf = UnsafeRawPointer(xtp).assumingMemoryBound(to: Float.self)
        let gf = UnsafeRawPointer(gp).assumingMemoryBound(to: Float.self)
        let xs = UnsafeRawPointer(xp).assumingMemoryBound(to: Float.self)
        let wf = UnsafeMutableRawPointer(dw.pointer(T.self)).assumingMemoryBound(to: Float.self)
        withExtendedLifetime(xt) {
            forEachTriangleRowRange(minWork: 1 << 15) { range in
                // One panel buffer per thread, refilled for each of its triangle rows.
                let panel = UnsafeMutablePointer<Float>.allocate(capacity: panels &* b &* 32)
                defer { panel.deallocate() }
                for r in range {
                    for row in 0..<b {
                        let v = xs[row &* i &+ r], src = gf + row &* k
                        for n in 0..<panels {
                            let d = panel + (n &* b &+ row) &* 32, t0 = n &* 32
                            for j in 0..<32 { d[j] = v * src[t0 &+ j] }
                        }
                    }
                    // All panels of 8 pairs in turn: 8 whole rows of each triangle written at once.
                    var c0 = r
                    while c0 < i {
                        let rows: Int = Swift.min(8, i &- c0)
                        for n in 0..<panels {
                            let upper: Int = (r &* i &+ c0) &* k &+ n &* 32, lower: Int = (c0 &* i &+ r) &* k &+ n &* 32
                            quadraticPanelTile(xf + c0 &* b, b, panel + n &* b &* 32, b, wf + upper, k, accumulate: false,
                                               rows: rows, mirror: wf + lower, ldm: i &* k)
                        }
                        c0 &+= 8
                    }
                }
            }
        }
    }

    /// The packed outer product: row b of `packedOuter` holds `x_r x_c` for `r ≤ c`; rows
    /// `b..<paddedRows` (when more than `b`) are zeros.
    func packOuter(_ x: Storage, _ packedOuter: Storage, paddedRows: Int? = nil) {
        let i = i, b = b, p = p
        let xp = x.readPointer(T.self), op = packedOuter.pointer(T.self)
        if let paddedRows, paddedRows > b { (op + b &* p).initialize(repeating: 0, count: (paddedRows &- b) &* p) }
        // Each row of pairs is a scaled copy of x[r...].
        parallelChunks(b, align: 1, unitCost: p, grain: 1 << 16) { lo, hi in
            if T.self == Float.self && laneSIMD {
                let xf = UnsafeRawPointer(xp).assumingMemoryBound(to: Float.self)
                let of = UnsafeMutableRawPointer(op).assumingMemoryBound(to: Float.self)
                for row in lo..<hi { packOuterRow(i, xf + row &* i, of + row &* p) }
                return
            }
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

    /// The gradients for `g = ∂L/∂y`: `dx` (when given) through `M = g·Sᵀ` (from `fold`), `dw` (when
    /// given) as `D = Oᵀ·g` mirrored onto both triangles.
    func backward(_ g: Storage, _ x: Storage, _ fold: QuadraticFold, _ packedOuter: Storage, dx: Storage?, dw: Storage?) {
        let i = i, k = k, b = b, p = p
        let gp = g.readPointer(T.self), xp = x.readPointer(T.self)
        if let dw {
            let wp = dw.pointer(T.self)
            if T.self == Float.self && PanelKernel.use(outputs: k) && k % 32 == 0 && p > 0 && b > 0 {
                weightGradientPanels(g, x, dw)
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
                    forEachTriangleRow(r0..<r1, minWork: 1 << 15) { r, pair in
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
                (m, ld) = inputGradientPanels(g, panels)
            case .transposed(let folded):
                (m, ld) = (Storage(dtype: T.dtype, count: b * p), p)
                T.gemm(transA: false, transB: false, m: b, n: p, k: k, alpha: 1, a: gp, lda: k,
                       b: folded.readPointer(T.self), ldb: p, beta: 0, c: m.pointer(T.self), ldc: p)
            case .none:
                opError("quadraticForm", "an input gradient was asked for, but the forward kept no fold (x \([b, i]))")
            }
            let mp = m.readPointer(T.self)
            parallelChunks(b, align: 1, unitCost: p, grain: 1 << 16) { lo, hi in
                if T.self == Float.self && PanelKernel.use(outputs: k) {
                    let xf = UnsafeRawPointer(xp).assumingMemoryBound(to: Float.self)
                    let mf = UnsafeRawPointer(mp).assumingMemoryBound(to: Float.self)
                    let df = UnsafeMutableRawPointer(dxp).assumingMemoryBound(to: Float.self)
                    for row in lo..<hi { inputGradientRow(i, xf + row &* i, mf + row &* ld, df + row &* i) }
                    return
                }
                for row in lo..<hi {
                    let xr = xp + row &* i, mr = mp + row &* ld, d = dxp + row &* i
                    for c in 0..<i { d[c] = 0 }
                    var q = 0
                    for r in 0..<i {
                        // Pairs (r, c), c ≥ r: ∂/∂x_c gets M x_r, ∂/∂x_r gets Σ_c M x_c (so the
                        // diagonal counts twice). The axpy vectorises; the dot runs on four sums.
                        let v = xr[r], mrow = mr + q, n = i &- r, xs = xr + r, ds = d + r
                        for j in 0..<n { ds[j] += mrow[j] * v }
                        var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0, j = 0
                        while j &+ 4 <= n {
                            s0 += mrow[j] * xs[j]
                            s1 += mrow[j &+ 1] * xs[j &+ 1]
                            s2 += mrow[j &+ 2] * xs[j &+ 2]
                            s3 += mrow[j &+ 3] * xs[j &+ 3]
                            j &+= 4
                        }
                        while j < n {
                            s0 += mrow[j] * xs[j]
                            j &+= 1
                        }
                        d[r] += (s0 + s1) + (s2 + s3)
                        q &+= n
                    }
                }
            }
            withExtendedLifetime(m) {}
        }
    }
}

/// One row of the input gradient from its row of `M = g·Sᵀ` (float32): `d[c] = Σ_r M_p(r,c) x_r` over
/// `r ≤ c` (the axpy form) plus `d[r] += Σ_c M_p(r,c) x_c` over `c ≥ r` (the dot form), so the
/// diagonal counts twice, as in ``QuadraticForm/backward(_:_:_:_:dx:dw:)``'s generic loop; both
/// run 16 lanes at a time (the generic loop's dot runs on four scalar sums). Used where the
/// tile kernel is (``PanelKernel/use(outputs:)``).
@inline(__always)
func inputGradientRow(_ i: Int, _ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>) {
    typealias V = SIMD16<Float>
    d.initialize(repeating: 0, count: i)
    var q = 0
    for r in 0..<i {
        let v = x[r], splat = V(repeating: v), n = i &- r
        let mrow = UnsafeRawPointer(m + q), xs = UnsafeRawPointer(x + r), ds = UnsafeMutableRawPointer(d + r)
        var acc = V(), j = 0
        while j &+ 16 <= n {
            let mv = mrow.loadUnaligned(fromByteOffset: j &* 4, as: V.self)
            // Multiply and add, not addingProduct: without FMA in the build that is a libm call.
            acc += mv * xs.loadUnaligned(fromByteOffset: j &* 4, as: V.self)
            ds.storeBytes(of: ds.loadUnaligned(fromByteOffset: j &* 4, as: V.self) + mv * splat, toByteOffset: j &* 4, as: V.self)
            j &+= 16
        }
        var sum = acc.sum()
        while j < n {
            let mj = m[q &+ j]
            d[r &+ j] += mj * v
            sum += mj * x[r &+ j]
            j &+= 1
        }
        d[r] += sum
        q &+= n
    }
}

/// Whether ``Tensor/quadraticForm(_:)``'s float32 forward runs LayerKit's own AVX-512 kernel
/// (``quadraticPanelTile(_:_:_:_:_:_:accumulate:rows:mirror:ldm:)``): when the build may use AVX-512
/// (`-Xcc -march=native` on such a machine) and `K ≥ 32`, unless `LAYERKIT_QF_KERNEL=0`.
enum PanelKernel {
    /// Whether this build's code may use AVX-512F (``laneSIMD``), unless `LAYERKIT_QF_KERNEL=0`.
    static let available: Bool = laneSIMD && environmentString("LAYERKIT_QF_KERNEL") != "0"

    /// When set, whether to use the kernel whatever the build: lets a test run both paths
    /// (the kernel is plain Swift SIMD code, correct, only slow, without AVX-512).
    @TaskLocal static var forced: Bool?

    /// Whether a product with `outputs` columns goes through the kernel: from 32 columns up
    /// (below, a padded 32-column panel wastes more than OpenBLAS's packing costs).
    static func use(outputs: Int) -> Bool { forced ?? (available && outputs >= 32) }
}

/// One row of the packed outer product, `o[q] = x_r x_c` for `r ≤ c` in row-major pair order,
/// 16 products at a time (the short end of each run of pairs one by one).
@inline(never)
func packOuterRow(_ i: Int, _ x: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>) {
    typealias V = SIMD16<Float>
    let xs = UnsafeRawPointer(x), os = UnsafeMutableRawPointer(o)
    var q = 0
    for r in 0..<i {
        let v = x[r], vv = V(repeating: v)
        var c = r
        while c &+ 16 <= i {
            os.storeBytes(of: vv * xs.loadUnaligned(fromByteOffset: c &* 4, as: V.self),
                          toByteOffset: (q &+ c &- r) &* 4, as: V.self)
            c &+= 16
        }
        while c < i {
            o[q &+ c &- r] = v * x[c]
            c &+= 1
        }
        q &+= i &- r
    }
}

/// One 8 × 32 tile of `y = O · S`: `y[r, 0..<32] (+)= Σ_q o[r·ldo + q] · s[32q ..< 32q + 32]` for
/// `q < count`, with the 16 accumulators (two 16-lane vectors per row) in registers: each
/// step loads 32 weights and broadcasts 8 outer-product values into 16 FMAs. `s` is a panel
/// of the panel-packed fold, contiguous, so nothing is packed per call. Only the first `rows`
/// rows are stored (all 8 rows of `o` are read); with `mirror`, each stored row `r` is also
/// written to `mirror + r·ldm` (the weight gradient's two triangles).
@inline(never)
func quadraticPanelTile(
    _ o: UnsafePointer<Float>, _ ldo: Int, _ s: UnsafePointer<Float>, _ count: Int,
    _ y: UnsafeMutablePointer<Float>, _ ldy: Int, accumulate: Bool,
    rows: Int = 8, mirror: UnsafeMutablePointer<Float>? = nil, ldm: Int = 0
) {
    typealias V = SIMD16<Float>
    var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
    var c40 = V(), c41 = V(), c50 = V(), c51 = V(), c60 = V(), c61 = V(), c70 = V(), c71 = V()
    let o0 = o, o1 = o + ldo, o2 = o + 2 &* ldo, o3 = o + 3 &* ldo
    let o4 = o + 4 &* ldo, o5 = o + 5 &* ldo, o6 = o + 6 &* ldo, o7 = o + 7 &* ldo
    var w = UnsafeRawPointer(s)
    for q in 0..<count {
        let b0 = w.loadUnaligned(as: V.self), b1 = w.loadUnaligned(fromByteOffset: 64, as: V.self)
        var a = V(repeating: o0[q]); c00 = c00.addingProduct(a, b0); c01 = c01.addingProduct(a, b1)
        a = V(repeating: o1[q]); c10 = c10.addingProduct(a, b0); c11 = c11.addingProduct(a, b1)
        a = V(repeating: o2[q]); c20 = c20.addingProduct(a, b0); c21 = c21.addingProduct(a, b1)
        a = V(repeating: o3[q]); c30 = c30.addingProduct(a, b0); c31 = c31.addingProduct(a, b1)
        a = V(repeating: o4[q]); c40 = c40.addingProduct(a, b0); c41 = c41.addingProduct(a, b1)
        a = V(repeating: o5[q]); c50 = c50.addingProduct(a, b0); c51 = c51.addingProduct(a, b1)
        a = V(repeating: o6[q]); c60 = c60.addingProduct(a, b0); c61 = c61.addingProduct(a, b1)
        a = V(repeating: o7[q]); c70 = c70.addingProduct(a, b0); c71 = c71.addingProduct(a, b1)
        w += 128
    }
    func store(_ r: Int, _ v0: V, _ v1: V) {
        guard r < rows else { return }
        let row = UnsafeMutableRawPointer(y + r &* ldy)
        if accumulate {
            row.storeBytes(of: row.loadUnaligned(as: V.self) + v0, as: V.self)
            row.storeBytes(of: row.loadUnaligned(fromByteOffset: 64, as: V.self) + v1, toByteOffset: 64, as: V.self)
        } else {
            row.storeBytes(of: v0, as: V.self)
            row.storeBytes(of: v1, toByteOffset: 64, as: V.self)
        }
        if let mirror {
            let m = UnsafeMutableRawPointer(mirror + r &* ldm)
            m.storeBytes(of: v0, as: V.self)
            m.storeBytes(of: v1, toByteOffset: 64, as: V.self)
        }
    }
    store(0, c00, c01); store(1, c10, c11); store(2, c20, c21); store(3, c30, c31)
    store(4, c40, c41); store(5, c50, c51); store(6, c60, c61); store(7, c70, c71)
}
