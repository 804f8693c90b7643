import CKernels

// The tensor reduction's float32 products through LayerKit's 8 × 32 tile kernel
// (`lk_quadratic_tile`, AVX-512): one 8-row slice of the left operand against one 32-column
// panel of a fold, 16 accumulators of 16 floats in registers, the panels contiguous so nothing
// is packed per call. ``KernelStrategy/quadraticTile(outputs:)`` decides when they run; every
// storage here is float32.

/// The tile-kernel paths of ``QuadraticForm`` for one float32 shape.
struct QuadraticTiles {
    let q: QuadraticForm<Float>
    var b: Int { q.b }
    var i: Int { q.i }
    var k: Int { q.k }
    var p: Int { q.p }
    /// The rows the tiles read: `b` rounded up to 8.
    var paddedRows: Int { q.paddedRows }
    var panelCount: Int { q.panelCount }
    var pairPanelCount: Int { q.pairPanelCount }

    init(b: Int, i: Int, k: Int) { q = QuadraticForm<Float>(b: b, i: i, k: k) }

    func forEachTriangleRowRange(minWork: Int, _ body: (Range<Int>) -> Void) { q.forEachTriangleRowRange(minWork: minWork, body) }

    /// The input gradient's `M = g·Sᵀ` through
    /// the tile kernel (`lk_quadratic_tile`) from the pair-panel fold
    /// (see ``pairAndColumnPanels(_:)``), so OpenBLAS does not repack `Sᵀ` per call: tiles of 8
    /// rows of `g` and one 32-pair panel, split over threads, a panel's tiles one after another
    /// so the panel is read from memory once. Returns `M` (`paddedRows` rows of `ld` elements,
    /// pair `q` in column `q`) and `ld`.
    func inputGradient(_ g: Storage, _ panels: Storage) -> (m: Storage, ld: Int) {
        let rows = paddedRows, ld = pairPanelCount &* 32, b = b, k = k, rowTiles = rows / 8
        // g with zero rows up to the 8-row tiles (a tile reads 8 rows).
        var padded: Storage?
        if rows != b {
            let gp = Storage(dtype: .float32, count: rows &* k), d = gp.pointer(Float.self)
            d.update(from: g.readPointer(Float.self), count: b &* k)
            (d + b &* k).initialize(repeating: 0, count: (rows &- b) &* k)
            padded = gp
        }
        let m = Storage(dtype: .float32, count: rows &* ld)
        let gf = (padded ?? g).readPointer(Float.self), sf = panels.readPointer(Float.self), mf = m.pointer(Float.self)
        let level = KernelStrategy.level.code
        parallelChunks(rowTiles &* pairPanelCount, align: 1, unitCost: 8 &* 32 &* k, grain: KernelStrategy.tileGrain) { lo, hi in
            for tile in lo..<hi {
                let n: Int = tile / rowTiles, row: Int = (tile &- n &* rowTiles) &* 8
                lk_quadratic_tile(level, gf + row &* k, k, sf + n &* 32 &* k, k, mf + (row &* ld &+ n &* 32), ld, 0, 8, nil, 0)
            }
        }
        withExtendedLifetime(padded) {}
        return (m, ld)
    }


    /// `out = O · S` through the tile kernel (`lk_quadratic_tile`), over tiles of 8
    /// rows of `O` (`paddedRows × p`) and one 32-column panel of `S`, split over threads, with
    /// the pairs in blocks of 1024 so that a tile's slices of `O` and `S` stay in L2.
    func forward(_ packedOuter: Storage, _ panels: Storage, _ out: Storage, panelOffset: Int = 0) {
        let rows = paddedRows, width = panelCount &* 32, p = p, b = b, k = k
        let direct = rows == b && width == k
        let y = direct ? out : Storage(dtype: .float32, count: rows &* width)
        let op = packedOuter.readPointer(Float.self), sp = panels.readPointer(Float.self) + panelOffset, yp = y.pointer(Float.self)
        let level = KernelStrategy.level.code
        let rowTiles = rows / 8, panels = panelCount, tiles = rowTiles &* panels
        parallelChunks(tiles, align: 1, unitCost: 8 &* 32 &* p, grain: KernelStrategy.tileGrain) { lo, hi in
            var pc = 0
            while pc < p {
                let count = Swift.min(1024, p &- pc)
                for tile in lo..<hi {
                    // Row blocks outermost: each thread reads the rows of O it packed itself.
                    let m: Int = tile / panels, n: Int = tile &- m &* panels
                    let oOffset: Int = m &* 8 &* p &+ pc, sOffset: Int = (n &* p &+ pc) &* 32
                    let yOffset: Int = m &* 8 &* width &+ n &* 32
                    lk_quadratic_tile(level, op + oOffset, p, sp + sOffset, count, yp + yOffset, width, pc > 0 ? 1 : 0, 8, nil, 0)
                }
                pc &+= count
            }
        }
        if !direct {
            let src = y.readPointer(Float.self), dst = out.pointer(Float.self)
            for row in 0..<b { (dst + row &* k).update(from: src + row &* width, count: k) }
        }
    }


    /// `dW` through the tile kernel (`lk_quadratic_tile`), with no
    /// `D` buffer and nothing repacked by OpenBLAS: `D_p(r,c),t = Σ_b x_bc · (x_br g_bt)`, so for
    /// each triangle row r the tile's rows are rows of `xᵀ` (`i × b`, contiguous) and its panel
    /// is `x_br g_b,32n..<32n+32` (built per row, `b × 32` contiguous per panel); each 8 × 32
    /// tile goes straight into `dW[r, c, ·]` and its mirror `dW[c, r, ·]`. Needs `k % 32 == 0`.
    /// At B = 256 it measured as fast as OpenBLAS's `D = Oᵀ·g` at 1 thread and faster at 2
    /// (Notes/reduction-speed.md), so it is used for every batch size.
    func weightGradient(_ g: Storage, _ x: Storage, _ dw: Storage) {
        let i = i, b = b, k = k, panels = panelCount
        let xp = x.readPointer(Float.self), gp = g.readPointer(Float.self)
        // xᵀ with 8 zero rows past the end: a tile reads 8 rows even where fewer are stored.
        let xt = Storage(dtype: .float32, count: (i &+ 8) &* b), xtp = xt.pointer(Float.self)
        (xtp + i &* b).initialize(repeating: 0, count: 8 &* b)
        for row in 0..<b { for c in 0..<i { xtp[c &* b &+ row] = xp[row &* i &+ c] } }
        let xf = UnsafePointer(xtp), gf = gp, xs = xp, wf = dw.pointer(Float.self)
        let level = KernelStrategy.level.code
        withExtendedLifetime(xt) {
            forEachTriangleRowRange(minWork: KernelStrategy.foldGrain) { range in
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
                            lk_quadratic_tile(level, xf + c0 &* b, b, panel + n &* b &* 32, b, wf + upper, k, 0,
                                              rows, wf + lower, i &* k)
                        }
                        c0 &+= 8
                    }
                }
            }
        }
    }

}
