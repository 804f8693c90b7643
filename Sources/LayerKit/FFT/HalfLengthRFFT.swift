import CFFTW
import Synchronization

// The real FFT of an even length n as a complex FFT of h = n/2 points, and its adjoint.
//
// Forward. Read the n reals of a row as h complex values z_t = x_{2t} + i·x_{2t+1} (the same
// memory, no copy) and let Z = DFT_h(z). With w = e^{−2πi/n} and Z_h ≡ Z_0,
//     E_k = (Z_k + conj Z_{h−k}) / 2,   O_k = (Z_k − conj Z_{h−k}) / (2i),   X_k = E_k + w^k·O_k
// for k = 0…h. Since E_{h−k} = conj E_k, O_{h−k} = conj O_k and w^{h−k} = −conj w^k, one
// butterfly gives two bins: X_{h−k} = conj(E_k − w^k·O_k). The edges: X_0 = Re Z_0 + Im Z_0,
// X_h = Re Z_0 − Im Z_0 (both real) and, for even h, X_{h/2} = conj Z_{h/2}. The pass writes
// only the m bins asked for, as (re, im) pairs.
//
// Backward. The map x ↦ (X_0 … X_{m−1}) is z ↦ Z (complex-linear, adjoint: the unnormalised
// inverse DFT, FFTW_BACKWARD) followed by the butterflies (real-linear). For a gradient G on
// the kept bins (G_k = 0 for k ≥ m), the butterflies' adjoint is, with c = e^{+2πij/n},
//     Ē = (G_j + conj G_{h−j}) / 2,   Ō = (G_j − conj G_{h−j}) / 2,
//     Z̄_j = Ē + i·c·Ō,   Z̄_{h−j} = conj(Ē − i·c·Ō),
//     Z̄_0 = (Re G_0 + Re G_h) + i·(Re G_0 − Re G_h),   Z̄_{h/2} = conj G_{h/2} (even h),
// and ∂L/∂x is Z̄ run through the h-point inverse DFT, read back as n reals (x_{2t} the real
// parts, x_{2t+1} the imaginary ones). So the backward costs one half-length transform too.

/// `cos(2πk/n)` and `sin(2πk/n)` for `k = 0…h/2`, in a dtype's precision: the butterflies'
/// twiddle factors, made once per (n, dtype).
final class HalfLengthTwiddles<T: KernelScalar>: Sendable {
    let cos: [T]
    let sin: [T]
    /// `cos` and `sin` with every value twice (`c0 c0 c1 c1 …`), for interleaved (re, im) lanes.
    let cos2: [T]
    let sin2: [T]

    init(n: Int) {
        let count = n / 4 + 8
        cos = (0..<count).map { T(Double.cos(2 * Double.pi * Double($0) / Double(n))) }
        sin = (0..<count).map { T(Double.sin(2 * Double.pi * Double($0) / Double(n))) }
        cos2 = cos.flatMap { [$0, $0] }
        sin2 = sin.flatMap { [$0, $0] }
    }

    /// `body` with the base addresses of `cos`, `sin`, `cos2` and `sin2`.
    @inline(__always)
    func withPointers<R>(
        _ body: (UnsafePointer<T>, UnsafePointer<T>, UnsafePointer<T>, UnsafePointer<T>) -> R
    ) -> R {
        cos.withUnsafeBufferPointer { c in
            sin.withUnsafeBufferPointer { s in
                cos2.withUnsafeBufferPointer { c2 in
                    sin2.withUnsafeBufferPointer { s2 in body(c.baseAddress!, s.baseAddress!, c2.baseAddress!, s2.baseAddress!) }
                }
            }
        }
    }
}

/// The twiddle tables made so far, by signal length.
enum TwiddleCache {
    struct Key: Hashable {
        let dtype: DType, n: Int
    }

    static let tables = Mutex<[Key: any Sendable]>([:])

    static func table<T: KernelScalar>(_: T.Type, n: Int) -> HalfLengthTwiddles<T> {
        tables.withLock { cache in
            let key = Key(dtype: T.dtype, n: n)
            if let t = cache[key] as? HalfLengthTwiddles<T> { return t }
            let t = HalfLengthTwiddles<T>(n: n)
            if cache.count > 512 { cache.removeAll() }
            cache[key] = t
            return t
        }
    }
}

extension Tensor {
    /// ``rfft(bins:)`` for an even length `n ≥ 2` and `1 ≤ m ≤ n/2 + 1`: a batched complex FFT
    /// of `n/2` points straight from this tensor's storage, then one butterfly pass that
    /// writes the `m` bins. When `m ≥ n/2` FFTW writes into the output itself and the pass
    /// runs in place; otherwise through a cache-sized scratch block.
    final func rfftHalfLength(bins m: Int) -> Tensor {
        let n = shape[rank - 1], h = n / 2, batch = count / n, size = dtype.byteSize, dtype = dtype
        if dtype == .float32 && KernelStrategy.laneFFT(n: n, batch: batch) { return rfftLanes(bins: m) }
        let inRow = n * size, outRow = m * 2 * size
        let out = Tensor(storage: Storage(dtype: dtype, count: batch * m * 2), shape: shape.dropLast() + [m, 2])
        let input = storage.raw, output = out.storage.raw
        let direct = m >= h
        Tensor.forEachRowBlock(batch, n: n, rowBytes: [inRow, outRow, direct ? 0 : h * 2 * size]) { row, rows, scratch in
            let src = input + row * inRow, dst = output + row * outRow
            let z = direct ? dst : scratch!
            FFTW.c2cRows(n: h, batch: rows, dtype: dtype, direction: .c2cForward,
                         outputDistance: direct ? m : h, input: src, output: z)
            switch dtype {
            case .float32:
                halfLengthForward(Float.self, z, zStride: direct ? m : h, dst, rows: rows, n: n, bins: m)
            case .float64:
                halfLengthForward(Double.self, z, zStride: direct ? m : h, dst, rows: rows, n: n, bins: m)
            case .int64, .int32, .uint8, .bool: notImplemented("rfft", dtype)
            }
        }
        return out
    }

    /// `∂L/∂x` of ``rfftHalfLength(bins:)`` for `g` of shape `[..., m, 2]`: the butterflies'
    /// adjoint written into the gradient's own storage, then an in-place inverse complex
    /// FFT of `n/2` points.
    static func rfftHalfLengthAdjoint(_ g: Tensor, n: Int, batch: Int, inputShape: [Int], bins m: Int) -> Tensor {
        let dtype = g.dtype, size = dtype.byteSize, h = n / 2
        let dx = Tensor(storage: Storage(dtype: dtype, count: batch * n), shape: inputShape)
        let gRow = m * 2 * size, dxRow = n * size
        let src = g.storage.raw, dst = dx.storage.raw
        forEachRowBlock(batch, n: n, rowBytes: [gRow, dxRow, 0]) { row, rows, _ in
            let d = dst + row * dxRow
            switch dtype {
            case .float32: halfLengthAdjoint(Float.self, src + row * gRow, d, rows: rows, n: n, bins: m)
            case .float64: halfLengthAdjoint(Double.self, src + row * gRow, d, rows: rows, n: n, bins: m)
            case .int64, .int32, .uint8, .bool: notImplemented("rfft", dtype)
            }
            FFTW.c2cRows(n: h, batch: rows, dtype: dtype, direction: .c2cBackward, outputDistance: h, input: d, output: d)
        }
        withExtendedLifetime(g) {}
        return dx
    }

    /// Runs `body(firstRow, rowCount, scratch)` over `batch` rows in blocks of about 256 KB
    /// (inside a core's L2), split over two threads when `batch × n` is large. Every block
    /// starts at a row where each array (row sizes in `rowBytes`, 0 for none) is 64-byte
    /// aligned, the alignment FFTW's plans are made for. `scratch`, when `rowBytes[2] > 0`,
    /// holds one block of such rows, one buffer per thread.
    static func forEachRowBlock(
        _ batch: Int, n: Int, rowBytes: [Int], _ body: (Int, Int, UnsafeMutableRawPointer?) -> Void
    ) {
        let align = rowBytes.filter { $0 > 0 }.reduce(1) { a, bytes in
            let need = 64 / gcd(bytes, 64)
            return a / gcd(a, need) * need
        }
        let widest = Swift.max(1, rowBytes.max() ?? 1)
        parallelChunks(batch, align: align, unitCost: n, grain: KernelStrategy.fftGrain) { lo, hi in
            let blocks = Swift.max(1, ((hi - lo) * widest + KernelStrategy.fftRowBlockBytes - 1) / KernelStrategy.fftRowBlockBytes)
            let block = Swift.max(1, ((hi - lo + blocks - 1) / blocks + align - 1) / align) * align
            let scratch = rowBytes[2] > 0 ? Storage(dtype: .float32, count: (Swift.min(block, hi - lo) * rowBytes[2] + 3) / 4) : nil
            var row = lo
            while row < hi {
                let rows = Swift.min(block, hi - row)
                body(row, rows, scratch?.raw)
                row += rows
            }
            withExtendedLifetime(scratch) {}
        }
    }
}

/// The forward butterflies (see the top of the file) over `rows` rows: the half-length
/// spectrum `Z` (rows `zStride` complex values apart) → the first `m` bins of the real
/// transform (rows `m` apart). `z` may be `x` (then `zStride == m ≥ h`).
@inline(__always)
private func halfLengthForward<T: KernelScalar & SIMDScalar>(
    _: T.Type, _ zRaw: UnsafeMutableRawPointer, zStride: Int, _ xRaw: UnsafeMutableRawPointer, rows: Int, n: Int, bins m: Int
) {
    let h = n / 2, half = T(0.5)
    let table = TwiddleCache.table(T.self, n: n)
    table.withPointers { cosP, sinP, cos2P, sin2P in
        // Pairs (k, h − k) with k < h − k; both written when both are kept.
        let pairs = (h - 1) / 2
        let full = m >= h
        for r in 0..<rows {
            let z = zRaw.assumingMemoryBound(to: T.self) + r &* zStride &* 2
            let x = xRaw.assumingMemoryBound(to: T.self) + r &* m &* 2
            let z0r = z[0], z0i = z[1]
            var k = 1
            if full {
                // Four pairs at a time while the blocks k…k+3 and h−k−3…h−k stay apart, on
                // interleaved lanes: contiguous loads and stores, the mirror block reversed.
                let c2 = cos2P, s2 = sin2P
                while 2 &* k &+ 6 < h {
                    let j = h &- k
                    let a = load8(z, 2 &* k), b = reversePairs(load8(z, 2 &* (j &- 3)))
                    let cb = b * conjSign()
                    let e = half * (a + cb)
                    let o = swapPairs(a - cb) * halfSwapSign(half)       // (a − conj b) / 2i
                    let w = load8(c2, 2 &* k), v = load8(s2, 2 &* k)
                    let t = w * o + v * swapPairs(o) * conjSign()          // w^k·O, w = cos − i·sin
                    store8(x, 2 &* k, e + t)
                    store8(x, 2 &* (j &- 3), reversePairs((e - t) * conjSign()))
                    k &+= 4
                }
            }
            while k <= pairs {
                let j = h &- k
                let ar = z[2 &* k], ai = z[2 &* k &+ 1], br = z[2 &* j], bi = z[2 &* j &+ 1]
                let er = half * (ar + br), ei = half * (ai - bi)
                let or = half * (ai + bi), oi = half * (br - ar)
                let wr = cosP[k], wi = -sinP[k]
                let tr = wr * or - wi * oi, ti = wr * oi + wi * or
                if full || k < m {
                    x[2 &* k] = er + tr
                    x[2 &* k &+ 1] = ei + ti
                }
                if full || j < m {
                    x[2 &* j] = er - tr
                    x[2 &* j &+ 1] = ti - ei
                }
                k &+= 1
            }
            if h % 2 == 0 && h / 2 < m && h >= 2 {
                let c = h / 2
                x[2 &* c] = z[2 &* c]
                x[2 &* c &+ 1] = -z[2 &* c &+ 1]
            }
            if m > h {
                x[2 &* h] = z0r - z0i
                x[2 &* h &+ 1] = 0
            }
            x[0] = z0r + z0i
            x[1] = 0
        }
    }
}

/// The adjoint butterflies (see the top of the file) over `rows` rows: gradients of the
/// first `m` bins (rows `m` apart) → `Z̄`, `h` complex values per row, written over `dx`.
@inline(__always)
private func halfLengthAdjoint<T: KernelScalar & SIMDScalar>(
    _: T.Type, _ gRaw: UnsafeMutableRawPointer, _ dRaw: UnsafeMutableRawPointer, rows: Int, n: Int, bins m: Int
) {
    let h = n / 2, half = T(0.5)
    let table = TwiddleCache.table(T.self, n: n)
    table.withPointers { cosP, sinP, cos2P, sin2P in
        let pairs = (h - 1) / 2
        for r in 0..<rows {
            let g = gRaw.assumingMemoryBound(to: T.self) + r &* m &* 2
            let d = dRaw.assumingMemoryBound(to: T.self) + r &* h &* 2
            // Bins past m have zero gradient; the loop runs in two parts so that the common
            // case (every bin of the pair kept) has no branches.
            var k = 1
            // Both bins of pair (k, h − k) are kept when h − m < k < m.
            let firstBoth = Swift.max(1, h - m + 1), lastBoth = Swift.min(pairs, m - 1)
            let c2 = cos2P, s2 = sin2P
            while firstBoth == 1 && k &+ 3 <= lastBoth && 2 &* k &+ 6 < h {
                let j = h &- k
                let a = load8(g, 2 &* k), b = reversePairs(load8(g, 2 &* (j &- 3)))
                let cb = b * conjSign()
                let e = half * (a + cb), o = half * (a - cb)
                let c = load8(c2, 2 &* k), sn = load8(s2, 2 &* k)
                let p = c * o + sn * swapPairs(o) * signImRe()       // c·Ō, c = cos + i·sin
                let sv = swapPairs(p) * signImRe()                    // i·c·Ō
                store8(d, 2 &* k, e + sv)
                store8(d, 2 &* (j &- 3), reversePairs((e - sv) * conjSign()))
                k &+= 4
            }
            while k <= pairs {
                let j = h &- k
                let ar: T, ai: T, br: T, bi: T
                if k >= firstBoth && k <= lastBoth {
                    ar = g[2 &* k]; ai = g[2 &* k &+ 1]; br = g[2 &* j]; bi = g[2 &* j &+ 1]
                } else {
                    (ar, ai) = k < m ? (g[2 &* k], g[2 &* k &+ 1]) : (0, 0)
                    (br, bi) = j < m ? (g[2 &* j], g[2 &* j &+ 1]) : (0, 0)
                }
                let er = half * (ar + br), ei = half * (ai - bi)
                let or = half * (ar - br), oi = half * (ai + bi)
                let cr = cosP[k], ci = sinP[k]
                // S = i·c·Ō
                let sr = -(cr * oi + ci * or), si = cr * or - ci * oi
                d[2 &* k] = er + sr
                d[2 &* k &+ 1] = ei + si
                d[2 &* j] = er - sr
                d[2 &* j &+ 1] = si - ei
                k &+= 1
            }
            if h % 2 == 0 && h >= 2 {
                let c = h / 2
                d[2 &* c] = c < m ? g[2 &* c] : 0
                d[2 &* c &+ 1] = c < m ? -g[2 &* c &+ 1] : 0
            }
            let g0 = g[0], gh = m > h ? g[2 &* h] : 0
            d[0] = g0 + gh
            d[1] = g0 - gh
        }
    }
}

@inline(__always)
private func load8<T: SIMDScalar>(_ p: UnsafePointer<T>, _ i: Int) -> SIMD8<T> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<T>.self)
}

@inline(__always)
private func load8<T: SIMDScalar>(_ p: UnsafeMutablePointer<T>, _ i: Int) -> SIMD8<T> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<T>.self)
}

@inline(__always)
private func store8<T: SIMDScalar>(_ p: UnsafeMutablePointer<T>, _ i: Int, _ v: SIMD8<T>) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD8<T>.self)
}

/// Four (re, im) pairs in reverse pair order.
@inline(__always)
private func reversePairs<T: SIMDScalar>(_ v: SIMD8<T>) -> SIMD8<T> {
    SIMD8(v[6], v[7], v[4], v[5], v[2], v[3], v[0], v[1])
}

/// Each (re, im) pair as (im, re).
@inline(__always)
private func swapPairs<T: SIMDScalar>(_ v: SIMD8<T>) -> SIMD8<T> {
    SIMD8(v[1], v[0], v[3], v[2], v[5], v[4], v[7], v[6])
}

/// `(1, −1)` per pair: times a vector of pairs, the complex conjugates.
@inline(__always)
private func conjSign<T: SIMDScalar & FloatingPoint>() -> SIMD8<T> { SIMD8(1, -1, 1, -1, 1, -1, 1, -1) }

/// `(−1, 1)` per pair: with ``swapPairs(_:)``, multiplication by i.
@inline(__always)
private func signImRe<T: SIMDScalar & FloatingPoint>() -> SIMD8<T> { SIMD8(-1, 1, -1, 1, -1, 1, -1, 1) }

/// `(h, −h)` per pair: with ``swapPairs(_:)``, division by 2i when `h = 1/2`.
@inline(__always)
private func halfSwapSign<T: SIMDScalar & FloatingPoint>(_ h: T) -> SIMD8<T> { SIMD8(h, -h, h, -h, h, -h, h, -h) }
