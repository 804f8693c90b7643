// The folded weight of the tensor reduction, `S_p(i,j) = W_ij + W_ji` over the pairs `i ≤ j`,
// in the three layouts its products read, each kept with the weight's buffer until the buffer
// is written (``Storage/derived(_:make:)``; ``KernelStrategy/keptDerivedValues``).

extension QuadraticForm {
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
            forEachTriangleRow(minWork: KernelStrategy.foldGrain) { r, first in foldRow(r, first: first, wp, into: sp) }
            return folded
        }
    }

    /// The rows of the panel kernel's packed outer product: `b` rounded up to its 8-row tiles.
    var paddedRows: Int { (b + 7) / 8 * 8 }
    /// The 32-column panels of the panel-packed fold.
    var panelCount: Int { (k + 31) / 32 }

    /// The fold packed for ``QuadraticTiles/forward(_:_:_:panelOffset:)``: panel `n` holds
    /// `S[q, 32n ..< 32n + 32]` for every pair `q` in turn (`p × 32` contiguous, columns past `k`
    /// zero), kept with `w`'s buffer until that buffer is written to.
    func panelWeight(_ w: Storage) -> Storage {
        w.derived(DerivedKey("quadraticForm.panels", [i, k])) { w in
            let packed = Storage(dtype: T.dtype, count: panelCount &* p &* 32)
            let wp = w.readPointer(T.self), sp = packed.pointer(T.self)
            forEachTriangleRow(minWork: KernelStrategy.foldGrain) { r, first in panelRow(r, first: first, wp, into: sp) }
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
            forEachTriangleRow(minWork: KernelStrategy.foldGrain / 2) { r, first in
                foldRow(r, first: first, wp, into: sp, pairPanels: true)
                panelRow(r, first: first, wp, into: sp + offset)
            }
            return both
        }
        return (folds, offset)
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

}
