// The raw loops behind indexing by integer tensors (index_select, gather, embedding lookups):
// copies move bits at the dtype's width, the backward scatter-adds run in the float dtype.

/// `out` row `r` ← `src` row starting at element `rowOffsets[r]`, `rowLength` elements each.
func gatherRows(_ src: Storage, rowOffsets: [Int], rowLength: Int, into out: Storage) {
    let size = src.dtype.byteSize, bytes = rowLength * size
    for (r, offset) in rowOffsets.enumerated() {
        (out.raw + r * bytes).copyMemory(from: src.readRaw + offset * size, byteCount: bytes)
    }
}

/// `out[i]` ← `src[offsets[i]]`.
func gatherElements(_ src: Storage, offsets: [Int], into out: Storage) {
    struct Gather: BitsKernel {
        let src: Storage, offsets: [Int], out: Storage
        func run<T>(_: T.Type) {
            let s = src.readPointer(T.self), o = out.pointer(T.self)
            for (i, offset) in offsets.enumerated() { o[i] = s[offset] }
        }
    }
    src.dtype.dispatch(bits: Gather(src: src, offsets: offsets, out: out))
}

/// `dst` row at `rowOffsets[r]` += `g` row `r` (float dtypes; repeated offsets accumulate).
func scatterAddRows(_ g: Storage, rowOffsets: [Int], rowLength: Int, into dst: Storage) {
    func run<T: KernelScalar>(_: T.Type) {
        let pg = g.readPointer(T.self), pd = dst.pointer(T.self)
        for (r, offset) in rowOffsets.enumerated() {
            let s = pg + r * rowLength, d = pd + offset
            for e in 0..<rowLength { d[e] += s[e] }
        }
    }
    switch g.dtype {
    case .float32: run(Float.self)
    case .float64: run(Double.self)
    case .int64, .int32, .uint8, .bool: notImplemented("index_add", g.dtype)
    }
}

/// `dst[offsets[i]]` += `g[i]` (float dtypes; repeated offsets accumulate).
func scatterAddElements(_ g: Storage, offsets: [Int], into dst: Storage) {
    func run<T: KernelScalar>(_: T.Type) {
        let pg = g.readPointer(T.self), pd = dst.pointer(T.self)
        for (i, offset) in offsets.enumerated() { pd[offset] += pg[i] }
    }
    switch g.dtype {
    case .float32: run(Float.self)
    case .float64: run(Double.self)
    case .int64, .int32, .uint8, .bool: notImplemented("scatter_add", g.dtype)
    }
}
