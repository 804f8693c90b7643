// Kernels that move elements without arithmetic: box copies (slices, concat, pad) and
// permutations. Bits move at the dtype's width, so every dtype shares one loop.

/// Copies the box of size `extent` whose corner is `srcStart` in a contiguous `srcShape`
/// buffer to the corner `dstStart` of a contiguous `dstShape` buffer (same dtype and rank).
///
/// Trailing axes that the box spans completely in both buffers are merged, so each copy is
/// one `memcpy` of a contiguous run: one call for a row-range slice or an axis-0 concat,
/// one per row for a column slice. Runs too short for a call to pay (a stack along the last
/// axis copies single elements) go through a typed strided loop instead.
func copyBox(
    _ src: Storage, _ srcShape: [Int], from srcStart: [Int],
    into dst: Storage, _ dstShape: [Int], at dstStart: [Int], extent: [Int]
) {
    precondition(src.dtype == dst.dtype, "copyBox between dtypes")
    let r = extent.count
    let size = src.dtype.byteSize
    if extent.contains(0) { return }
    if r == 0 {
        dst.raw.copyMemory(from: src.readRaw, byteCount: size)
        return
    }
    let ss = contiguousStrides(srcShape), ds = contiguousStrides(dstShape)
    var srcOff = 0, dstOff = 0
    for d in 0..<r {
        srcOff += srcStart[d] * ss[d]
        dstOff += dstStart[d] * ds[d]
    }
    var k = r - 1
    while k > 0 && extent[k] == srcShape[k] && extent[k] == dstShape[k] { k -= 1 }
    let run = extent[k...].reduce(1, *)
    if k == 0 {
        (dst.raw + dstOff * size).copyMemory(from: src.readRaw + srcOff * size, byteCount: run * size)
        return
    }
    // Axis m = k-1 is walked by a tight loop of runs; an odometer steps the axes before it.
    let m = k - 1
    let rows = extent[m], srcStep = ss[m], dstStep = ds[m]
    /// One set of `rows` runs of `run` elements, moved as unsigned integers of the element's width.
    struct CopyRows: BitsKernel {
        let src: Storage, dst: Storage, srcOff: Int, dstOff: Int, run: Int, rows: Int, srcStep: Int, dstStep: Int
        func run<T>(_: T.Type) {
            let s = src.readPointer(T.self) + srcOff, d = dst.pointer(T.self) + dstOff
            let run = run, srcStep = srcStep, dstStep = dstStep
            if run * MemoryLayout<T>.stride >= 128 {
                // Split like the op that most likely wrote `s` (an FFT over the same rows): the
                // win here is reading cache-local halves (KernelStrategy.copyGrain).
                parallelChunks(rows, align: 1, unitCost: run, grain: KernelStrategy.copyGrain) { lo, hi in
                    for j in lo..<hi {
                        (d + j &* dstStep).update(from: s + j &* srcStep, count: run)
                    }
                }
            } else if run == 1 {
                for j in 0..<rows { d[j &* dstStep] = s[j &* srcStep] }
            } else {
                for j in 0..<rows {
                    let sj = s + j &* srcStep, dj = d + j &* dstStep
                    for e in 0..<run { dj[e] = sj[e] }
                }
            }
        }
    }
    var index = [Int](repeating: 0, count: m)
    while true {
        src.dtype.dispatch(bits: CopyRows(src: src, dst: dst, srcOff: srcOff, dstOff: dstOff, run: run, rows: rows,
                                          srcStep: srcStep, dstStep: dstStep))
        var d = m - 1
        while d >= 0 {
            index[d] &+= 1
            srcOff &+= ss[d]
            dstOff &+= ds[d]
            if index[d] < extent[d] { break }
            srcOff &-= ss[d] &* extent[d]
            dstOff &-= ds[d] &* extent[d]
            index[d] = 0
            d -= 1
        }
        if d < 0 { return }
    }
}

/// Writes the elements of contiguous `src` into `out` (of `outShape`) in the order of
/// `srcStrides` (the source stride of each output axis): a permutation's copy.
func permuteKernel(_ src: Storage, into out: Storage, outShape: [Int], srcStrides: [Int]) {
    struct Permute: BitsKernel {
        let src: Storage, out: Storage, outShape: [Int], srcStrides: [Int]
        func run<T>(_: T.Type) {
            let px = src.readPointer(T.self), po = out.pointer(T.self)
            let r = outShape.count, inner = outShape[r - 1], si = srcStrides[r - 1]
            var index = [Int](repeating: 0, count: r)
            var off = 0, o = 0
            while o < out.count {
                for j in 0..<inner { po[o &+ j] = px[off &+ j &* si] }
                o &+= inner
                var d = r - 2
                while d >= 0 {
                    index[d] &+= 1
                    off &+= srcStrides[d]
                    if index[d] < outShape[d] { break }
                    off &-= srcStrides[d] &* outShape[d]
                    index[d] = 0
                    d -= 1
                }
            }
        }
    }
    if out.count > 0 { src.dtype.dispatch(bits: Permute(src: src, out: out, outShape: outShape, srcStrides: srcStrides)) }
}
