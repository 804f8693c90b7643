import CBLAS
import CFFTW
import CLaneFFT
import Synchronization

// A batched complex FFT vectorised across rows, for the half-length transform inside the
// even-length float32 `rfft(bins:)` (HalfLengthRFFT.swift).
//
// Sixteen rows go side by side: a group of rows is transposed into a scratch buffer where
// element t of the transform is two `SIMD16<Float>` vectors (the real parts of z_t of the 16
// rows, then the imaginary parts). The FFT then runs on those vectors exactly as a scalar FFT
// would on one row — the same loads, adds and twiddle products, each one on 16 rows at once —
// so it needs no shuffles, and every twiddle factor is one broadcast per butterfly column. The
// butterflies that turn the half-length spectrum into the real one are computed in the same
// layout, eight bins at a time, straight into a second transposition that writes the kept bins
// to the output rows. Used only in builds for AVX-512F and FMA (``laneSIMD``).
//
// The FFT is an in-place decimation in frequency, depth first: a stage of radix r on a block of
// length `len` reads a_j = x[p + j·len/r] and writes x[p + k·len/r] = w_len^{p·k}·Σ_j a_j·w_r^{j·k}
// (w_N = e^{−2πi/N}) for p < len/r, then transforms each of its r sub-blocks the same way before
// the next block. After the first stage every sub-block is at most h/8 elements (32 KB for
// h = 512), so the later stages run inside L1. Bin κ = r·κ' + k ends at k·len/r + (position of
// κ' in sub-block k): digit-reversed, which the butterfly pass reads through a table.
// Radices 8 (mostly), 4, 2, 3 and 5.

/// Sixteen float32 lanes: lane l belongs to row l of a row group.
typealias Lanes = SIMD16<Float>

/// The lane count of ``Lanes``: rows transformed together.
let laneCount = 16

/// A lane FFT of `h` points: its stages and their twiddle factors.
final class LaneFFTPlan: Sendable {
    /// One stage: a radix, the block length it splits and where its twiddles start in
    /// ``twiddles`` (`radix − 1` (re, im) pairs per `p`).
    struct Stage: Sendable {
        var radix: Int
        var length: Int
        var offset: Int
    }

    let h: Int
    let stages: [Stage]
    /// ``stages`` as (radix, length, offset) triples, the form the AVX-512 kernels take.
    let stageTable: [Int]
    /// `w_len^{p·k}` for every stage, `p`, and `k = 1 ..< radix`, as (re, im) float pairs.
    let twiddles: [Float]
    /// `e^{−2πik/n}/2` for `k = 0…h` (n = 2h), as (re, im) pairs: the real transform's butterflies.
    let binTwiddles: [Float]
    /// Where bin `k` of the transform ends (digit-reversed), for `k = 0 ..< h`, plus `h ↦ 0`.
    let position: [Int]

    /// The radices of `h` (8s first, then a 4 or a 2, 3s and 5s), or nil if `h` has another prime factor.
    static func radices(_ h: Int) -> [Int]? {
        var rest = h, out: [Int] = []
        while rest % 8 == 0 { out.append(8); rest /= 8 }
        if rest % 4 == 0 { out.append(4); rest /= 4 }
        if rest % 2 == 0 { out.append(2); rest /= 2 }
        for r in [3, 5] { while rest % r == 0 { out.append(r); rest /= r } }
        return rest == 1 ? out : nil
    }

    init?(h: Int) {
        guard h >= 2, let radices = LaneFFTPlan.radices(h) else { return nil }
        self.h = h
        var stages: [Stage] = [], tw: [Float] = []
        var length = h
        for r in radices {
            stages.append(Stage(radix: r, length: length, offset: tw.count))
            let m = length / r
            for p in 0..<m {
                for k in 1..<r {
                    let angle = 2 * Double.pi * Double(p * k) / Double(length)
                    tw.append(Float(Double.cos(angle)))
                    tw.append(Float(-Double.sin(angle)))
                }
            }
            length = m
        }
        self.stages = stages
        stageTable = stages.flatMap { [$0.radix, $0.length, $0.offset] }
        twiddles = tw
        binTwiddles = (0...h).flatMap { k -> [Float] in
            let angle = Double.pi * Double(k) / Double(h)
            return [Float(Double.cos(angle) / 2), Float(-Double.sin(angle) / 2)]
        }
        // position(κ) over radices r0, r1, …: κ = r0·κ' + k ↦ k·(len/r0) + position'(κ').
        func place(_ kappa: Int, _ length: Int, _ stage: Int) -> Int {
            if stage == radices.count { return 0 }
            let r = radices[stage], m = length / r
            return (kappa % r) * m + place(kappa / r, m, stage + 1)
        }
        position = (0..<h).map { place($0, h, 0) } + [0]
    }

    /// Transforms `x` (h elements of two ``Lanes`` each) in place; the result is digit-reversed
    /// (``position``).
    func execute(_ x: UnsafeMutablePointer<Lanes>) {
        twiddles.withUnsafeBufferPointer { tw in
            stages.withUnsafeBufferPointer { st in run(x, st, 0, tw.baseAddress!) }
        }
    }

    private func run(_ x: UnsafeMutablePointer<Lanes>, _ st: UnsafeBufferPointer<Stage>, _ i: Int, _ tw: UnsafePointer<Float>) {
        let stage = st[i], w = tw + stage.offset, last = i == st.count - 1
        switch (stage.radix, last) {
        case (8, false): laneRadix8(x, length: stage.length, w, twiddled: true)
        case (8, true): laneRadix8(x, length: stage.length, w, twiddled: false)
        case (4, false): laneRadix4(x, length: stage.length, w, twiddled: true)
        case (4, true): laneRadix4(x, length: stage.length, w, twiddled: false)
        case (2, false): laneRadix2(x, length: stage.length, w, twiddled: true)
        case (2, true): laneRadix2(x, length: stage.length, w, twiddled: false)
        case (3, _): laneRadix3(x, length: stage.length, w, twiddled: !last)
        default: laneRadix5(x, length: stage.length, w, twiddled: !last)
        }
        if last { return }
        let m = stage.length / stage.radix
        for k in 0..<stage.radix { run(x + 2 &* k &* m, st, i + 1, tw) }
    }
}

/// The lane plans made so far, by transform length.
enum LaneFFTCache {
    static let plans = Mutex<[Int: LaneFFTPlan]>([:])

    static func plan(h: Int) -> LaneFFTPlan? {
        plans.withLock { cache in
            if let p = cache[h] { return p }
            guard let p = LaneFFTPlan(h: h) else { return nil }
            if cache.count > 64 { cache.removeAll() }
            cache[h] = p
            return p
        }
    }
}

// MARK: - Stages

/// Whether this build targets AVX-512F and FMA (`LAYERKIT_AVX512F` in CBLAS's shim.h, set
/// from the compiler's target macros): 16-lane vectors are then single registers and
/// `addingProduct` one instruction. Without them the lane FFT is slower than FFTW (AVX2: about
/// 2.5×) and `addingProduct` a library call, so it is not used.
let laneSIMD = LAYERKIT_AVX512F != 0

/// Whether the lane FFT runs on the AVX-512 kernels of the `CLaneFFT` target (built with
/// AVX-512F and FMA, like ``laneSIMD``) rather than on the Swift code below, which the compiler
/// lowers to AVX-512 less well (the transpositions and butterflies take about twice as long).
let laneKernels = laneSIMD && lk_lane_kernels() != 0

extension SIMD16 where Scalar == Float {
    /// `self + a·b`: fused with FMA hardware, a multiply and an add without it.
    @inline(__always)
    func adding(_ a: Self, times b: Self) -> Self { laneSIMD ? addingProduct(a, b) : self + a * b }
}

/// `(a_r + i·a_i)·(w_r + i·w_i)` on lanes.
@inline(__always)
private func cmul(_ ar: Lanes, _ ai: Lanes, _ wr: Lanes, _ wi: Lanes) -> (Lanes, Lanes) {
    ((ar * wr).adding(ai, times: -wi), (ar * wi).adding(ai, times: wr))
}

@inline(__always)
private func broadcast(_ w: UnsafePointer<Float>, _ i: Int) -> (Lanes, Lanes) {
    (Lanes(repeating: w[2 &* i]), Lanes(repeating: w[2 &* i &+ 1]))
}

@inline(__always)
private func laneRadix8(
    _ x: UnsafeMutablePointer<Lanes>, length: Int, _ tw: UnsafePointer<Float>, twiddled: Bool
) {
    let m = length / 8, dj = 2 &* m, dk = dj
    let r = Lanes(repeating: Float(0.5.squareRoot()))
    for p in 0..<m {
        let a = x + 2 &* p, o = a
        let w = tw + 14 &* p
        do {
            // Y_k = E_k + w8^k·O_k, Y_{k+4} = E_k − w8^k·O_k: E, O the 4-point DFTs of the even
            // and odd inputs.
            @inline(__always) func dft4(_ b: Int) -> (Lanes, Lanes, Lanes, Lanes, Lanes, Lanes, Lanes, Lanes) {
                let i0 = b &* dj, i1 = (b &+ 2) &* dj, i2 = (b &+ 4) &* dj, i3 = (b &+ 6) &* dj
                let t0r = a[i0] + a[i2], t0i = a[i0 &+ 1] + a[i2 &+ 1], t1r = a[i0] - a[i2], t1i = a[i0 &+ 1] - a[i2 &+ 1]
                let t2r = a[i1] + a[i3], t2i = a[i1 &+ 1] + a[i3 &+ 1], t3r = a[i1] - a[i3], t3i = a[i1 &+ 1] - a[i3 &+ 1]
                return (t0r + t2r, t0i + t2i, t1r + t3i, t1i - t3r, t0r - t2r, t0i - t2i, t1r - t3i, t1i + t3r)
            }
            let (e0r, e0i, e1r, e1i, e2r, e2i, e3r, e3i) = dft4(0)
            let (q0r, q0i, q1r, q1i, q2r, q2i, q3r, q3i) = dft4(1)
            // w8·q1 = ((q1r + q1i) + i(q1i − q1r))/√2, w8²·q2 = −i·q2, w8³·q3 = ((q3i − q3r) − i(q3r + q3i))/√2
            let o1r = r * (q1r + q1i), o1i = r * (q1i - q1r)
            let o2r = q2i, o2i = -q2r
            let o3r = r * (q3i - q3r), o3i = -(r * (q3r + q3i))
            @inline(__always) func put(_ k: Int, _ re: Lanes, _ im: Lanes) {
                if twiddled {
                    let (wr, wi) = broadcast(w, k &- 1)
                    (o[k &* dk], o[k &* dk &+ 1]) = cmul(re, im, wr, wi)
                } else {
                    o[k &* dk] = re
                    o[k &* dk &+ 1] = im
                }
            }
            o[0] = e0r + q0r
            o[1] = e0i + q0i
            put(1, e1r + o1r, e1i + o1i)
            put(2, e2r + o2r, e2i + o2i)
            put(3, e3r + o3r, e3i + o3i)
            put(4, e0r - q0r, e0i - q0i)
            put(5, e1r - o1r, e1i - o1i)
            put(6, e2r - o2r, e2i - o2i)
            put(7, e3r - o3r, e3i - o3i)
        }
    }
}

@inline(__always)
private func laneRadix4(
    _ x: UnsafeMutablePointer<Lanes>, length: Int, _ tw: UnsafePointer<Float>, twiddled: Bool
) {
    let m = length / 4, dj = 2 &* m, dk = dj
    for p in 0..<m {
        let (w1r, w1i) = broadcast(tw, 3 &* p), (w2r, w2i) = broadcast(tw, 3 &* p &+ 1), (w3r, w3i) = broadcast(tw, 3 &* p &+ 2)
        let a = x + 2 &* p, o = a
        do {
            let a0r = a[0], a0i = a[1], a1r = a[dj], a1i = a[dj &+ 1]
            let a2r = a[2 &* dj], a2i = a[2 &* dj &+ 1], a3r = a[3 &* dj], a3i = a[3 &* dj &+ 1]
            let apcR = a0r + a2r, apcI = a0i + a2i, amcR = a0r - a2r, amcI = a0i - a2i
            let bpdR = a1r + a3r, bpdI = a1i + a3i, bmdR = a1r - a3r, bmdI = a1i - a3i
            o[0] = apcR + bpdR
            o[1] = apcI + bpdI
            // Y1 = (a0 − a2) − i·(a1 − a3), Y2 = (a0 + a2) − (a1 + a3), Y3 = (a0 − a2) + i·(a1 − a3)
            let y1r = amcR + bmdI, y1i = amcI - bmdR
            let y2r = apcR - bpdR, y2i = apcI - bpdI
            let y3r = amcR - bmdI, y3i = amcI + bmdR
            if twiddled {
                (o[dk], o[dk &+ 1]) = cmul(y1r, y1i, w1r, w1i)
                (o[2 &* dk], o[2 &* dk &+ 1]) = cmul(y2r, y2i, w2r, w2i)
                (o[3 &* dk], o[3 &* dk &+ 1]) = cmul(y3r, y3i, w3r, w3i)
            } else {
                (o[dk], o[dk &+ 1]) = (y1r, y1i)
                (o[2 &* dk], o[2 &* dk &+ 1]) = (y2r, y2i)
                (o[3 &* dk], o[3 &* dk &+ 1]) = (y3r, y3i)
            }
        }
    }
}

@inline(__always)
private func laneRadix2(
    _ x: UnsafeMutablePointer<Lanes>, length: Int, _ tw: UnsafePointer<Float>, twiddled: Bool
) {
    let m = length / 2, dj = 2 &* m, dk = dj
    for p in 0..<m {
        let (wr, wi) = broadcast(tw, p)
        let a = x + 2 &* p, o = a
        do {
            let a0r = a[0], a0i = a[1], a1r = a[dj], a1i = a[dj &+ 1]
            o[0] = a0r + a1r
            o[1] = a0i + a1i
            if twiddled {
                (o[dk], o[dk &+ 1]) = cmul(a0r - a1r, a0i - a1i, wr, wi)
            } else {
                (o[dk], o[dk &+ 1]) = (a0r - a1r, a0i - a1i)
            }
        }
    }
}

private func laneRadix3(
    _ x: UnsafeMutablePointer<Lanes>, length: Int, _ tw: UnsafePointer<Float>, twiddled: Bool
) {
    let m = length / 3, dj = 2 &* m, dk = dj
    let c = Lanes(repeating: -0.5), sn = Lanes(repeating: Float(0.75.squareRoot()))
    for p in 0..<m {
        let (w1r, w1i) = broadcast(tw, 2 &* p), (w2r, w2i) = broadcast(tw, 2 &* p &+ 1)
        let a = x + 2 &* p, o = a
        do {
            let a0r = a[0], a0i = a[1], a1r = a[dj], a1i = a[dj &+ 1], a2r = a[2 &* dj], a2i = a[2 &* dj &+ 1]
            let tr = a1r + a2r, ti = a1i + a2i
            o[0] = a0r + tr
            o[1] = a0i + ti
            let ur = a0r.adding(c, times: tr), ui = a0i.adding(c, times: ti)
            let vr = sn * (a1r - a2r), vi = sn * (a1i - a2i)
            // Y1 = u − i·v, Y2 = u + i·v
            var (y1r, y1i, y2r, y2i) = (ur + vi, ui - vr, ur - vi, ui + vr)
            if twiddled {
                (y1r, y1i) = cmul(y1r, y1i, w1r, w1i)
                (y2r, y2i) = cmul(y2r, y2i, w2r, w2i)
            }
            (o[dk], o[dk &+ 1]) = (y1r, y1i)
            (o[2 &* dk], o[2 &* dk &+ 1]) = (y2r, y2i)
        }
    }
}

private func laneRadix5(
    _ x: UnsafeMutablePointer<Lanes>, length: Int, _ tw: UnsafePointer<Float>, twiddled: Bool
) {
    let m = length / 5, dj = 2 &* m, dk = dj
    let c1 = Lanes(repeating: Float(Double.cos(2 * Double.pi / 5))), c2 = Lanes(repeating: Float(Double.cos(4 * Double.pi / 5)))
    let s1 = Lanes(repeating: Float(Double.sin(2 * Double.pi / 5))), s2 = Lanes(repeating: Float(Double.sin(4 * Double.pi / 5)))
    for p in 0..<m {
        let a = x + 2 &* p, o = a
        do {
            let a0r = a[0], a0i = a[1]
            let b1r = a[dj] + a[4 &* dj], b1i = a[dj &+ 1] + a[4 &* dj &+ 1]
            let d1r = a[dj] - a[4 &* dj], d1i = a[dj &+ 1] - a[4 &* dj &+ 1]
            let b2r = a[2 &* dj] + a[3 &* dj], b2i = a[2 &* dj &+ 1] + a[3 &* dj &+ 1]
            let d2r = a[2 &* dj] - a[3 &* dj], d2i = a[2 &* dj &+ 1] - a[3 &* dj &+ 1]
            o[0] = a0r + b1r + b2r
            o[1] = a0i + b1i + b2i
            // Y1,4 = a0 + c1·b1 + c2·b2 ∓ i·(s1·d1 + s2·d2); Y2,3 = a0 + c2·b1 + c1·b2 ∓ i·(s2·d1 − s1·d2)
            let u1r = a0r.adding(c1, times: b1r).adding(c2, times: b2r), u1i = a0i.adding(c1, times: b1i).adding(c2, times: b2i)
            let u2r = a0r.adding(c2, times: b1r).adding(c1, times: b2r), u2i = a0i.adding(c2, times: b1i).adding(c1, times: b2i)
            let v1r = (s1 * d1r).adding(s2, times: d2r), v1i = (s1 * d1i).adding(s2, times: d2i)
            let v2r = (s2 * d1r).adding(-s1, times: d2r), v2i = (s2 * d1i).adding(-s1, times: d2i)
            @inline(__always) func put(_ k: Int, _ re: Lanes, _ im: Lanes) {
                var (re, im) = (re, im)
                if twiddled {
                    let (wr, wi) = broadcast(tw, 4 &* p &+ k &- 1)
                    (re, im) = cmul(re, im, wr, wi)
                }
                o[k &* dk] = re
                o[k &* dk &+ 1] = im
            }
            put(1, u1r + v1i, u1i - v1r)
            put(2, u2r + v2i, u2i - v2r)
            put(3, u2r - v2i, u2i + v2r)
            put(4, u1r - v1i, u1i + v1r)
        }
    }
}

// MARK: - Transposition

/// A 16×16 float transposition in registers: `load(i)` gives row i, `store(j, v)` receives
/// column j (lane i of `v` is row i's element j). Four rounds of pairwise deinterleaving
/// (`vpermt2ps` with AVX-512): each round rotates the 8-bit element index (row, lane), and four
/// rounds reverse it, so rows go in and columns come out in bit-reversed slots.
@inline(__always)
func transpose16(_ load: (Int) -> Lanes, _ store: (Int, Lanes) -> Void) {
    @inline(__always) func split(_ a: Lanes, _ b: Lanes) -> (Lanes, Lanes) {
        let w = SIMD32<Float>(lowHalf: a, highHalf: b)
        return (w.evenHalf, w.oddHalf)
    }
    var a0 = load(0), a1 = load(8), a2 = load(4), a3 = load(12), a4 = load(2), a5 = load(10), a6 = load(6), a7 = load(14)
    var a8 = load(1), a9 = load(9), a10 = load(5), a11 = load(13), a12 = load(3), a13 = load(11), a14 = load(7), a15 = load(15)
    for _ in 0..<4 {
        let (b0, b1) = split(a0, a8), (b2, b3) = split(a1, a9), (b4, b5) = split(a2, a10), (b6, b7) = split(a3, a11)
        let (b8, b9) = split(a4, a12), (b10, b11) = split(a5, a13), (b12, b13) = split(a6, a14), (b14, b15) = split(a7, a15)
        (a0, a1, a2, a3, a4, a5, a6, a7) = (b0, b1, b2, b3, b4, b5, b6, b7)
        (a8, a9, a10, a11, a12, a13, a14, a15) = (b8, b9, b10, b11, b12, b13, b14, b15)
    }
    store(0, a0); store(8, a1); store(4, a2); store(12, a3); store(2, a4); store(10, a5); store(6, a6); store(14, a7)
    store(1, a8); store(9, a9); store(5, a10); store(13, a11); store(3, a12); store(11, a13); store(7, a14); store(15, a15)
}

// MARK: - The real transform

extension Tensor {
    /// Whether the float32 even-length transform runs on ``LaneFFTPlan`` (tuning knob:
    /// `LAYERKIT_FFT_LANES`: `0` never; otherwise the largest half-length `h` to use it for,
    /// default 4096) rather than FFTW's c2c.
    static let laneFFTLimit = environmentString("LAYERKIT_FFT_LANES").flatMap { Int($0) } ?? 4096

    /// The largest half-length `h` above ``laneFFTLimit`` that still takes the lane FFT when
    /// every thread gets a row group of its own (tuning knob: `LAYERKIT_FFT_LANES_LARGE`,
    /// default 32768, whose scratch buffer is 4 MB per thread).
    static let laneFFTLargeLimit = environmentString("LAYERKIT_FFT_LANES_LARGE").flatMap { Int($0) } ?? 32768

    /// Whether ``rfftLanes(bins:)`` is the path for this float32 tensor of even length `n`:
    /// only in builds for AVX-512F and FMA (``laneSIMD``). Up to ``laneFFTLimit`` always; up
    /// to ``laneFFTLargeLimit`` with the AVX-512 kernels when there are at least as many row
    /// groups as threads (a group is not split, and FFTW's threads win over one lane FFT).
    static func usesLaneFFT(n: Int, batch: Int) -> Bool {
        let h = n / 2
        guard laneSIMD && laneFFTLimit > 0 && h >= 8 && batch >= laneCount / 2 && LaneFFTPlan.radices(h) != nil else {
            return false
        }
        if h <= laneFFTLimit { return true }
        return laneKernels && h <= laneFFTLargeLimit && (batch + laneCount - 1) / laneCount >= Parallelism.threadCount
    }

    /// ``rfftHalfLength(bins:)`` for float32 on ``LaneFFTPlan``: rows go 16 at a time through
    /// the lane FFT of `n/2` points, the butterflies and a transposition into the output, on
    /// the AVX-512 kernels when `kernels` (and the build has them), else on the Swift code.
    /// `threads` overrides the kernels' thread count (tests).
    final func rfftLanes(bins m: Int, kernels: Bool = laneKernels, threads: Int? = nil) -> Tensor {
        let n = shape[rank - 1], h = n / 2, batch = count / n
        guard dtype == .float32, n % 2 == 0, let plan = LaneFFTCache.plan(h: h) else {
            opError("rfft", "the lane FFT takes float32 rows of an even length with factors 2, 3 and 5, got \(dtype) \(shape)")
        }
        let kernels = kernels && laneKernels
        let out = Tensor(storage: Storage(dtype: dtype, count: batch * m * 2), shape: shape.dropLast() + [m, 2])
        let input = UnsafePointer(storage.raw.assumingMemoryBound(to: Float.self))
        let output = out.storage.raw.assumingMemoryBound(to: Float.self)
        let groups = (batch + laneCount - 1) / laneCount
        if kernels {
            // The groups over the caller and CLaneFFT's own workers, which spin between calls
            // (GCD's concurrentPerform often runs a 2 × 50 µs job serially here).
            let threads = threads ?? (batch * n >= Tensor.halfLengthSplit ? Swift.min(Parallelism.threadCount, groups) : 1)
            plan.binTwiddles.withUnsafeBufferPointer { w in
            plan.position.withUnsafeBufferPointer { position in
            plan.twiddles.withUnsafeBufferPointer { tw in
            plan.stageTable.withUnsafeBufferPointer { st in
                lk_lane_rfft(input, n, batch, m, output, st.baseAddress!, plan.stages.count, tw.baseAddress!,
                             w.baseAddress!, position.baseAddress!, threads)
            }
            }
            }
            }
            return out
        }
        parallelChunks(groups, align: 1, unitCost: laneCount * n, grain: Tensor.halfLengthSplit) { lo, hi in
            // Per thread: a buffer of h elements (two vectors each) and 16 vectors for eight bins.
            let scratch = Storage(dtype: .float32, count: (2 * h + 16) * laneCount)
            let z = scratch.raw.assumingMemoryBound(to: Lanes.self), bins = z + 2 * h
            plan.binTwiddles.withUnsafeBufferPointer { w in
            plan.position.withUnsafeBufferPointer { position in
                for g in lo..<hi {
                    let row = g * laneCount, rows = Swift.min(laneCount, batch - row)
                    laneLoad(input + row * n, rowLength: n, rows: rows, h: h, into: z)
                    plan.execute(z)
                    laneBinsStore(z, h: h, bins: m, rows: rows, twiddles: w.baseAddress!, position: position.baseAddress!,
                                  scratch: bins, into: output + row * m * 2)
                }
            }
            }
            withExtendedLifetime(scratch) {}
        }
        return out
    }
}

/// Rows `0 ..< rows` of `src` (each `rowLength` floats, read as `h` complex values) into lane
/// layout; missing rows of the group repeat the last one.
@inline(__always)
private func laneLoad(_ src: UnsafePointer<Float>, rowLength n: Int, rows: Int, h: Int, into dst: UnsafeMutablePointer<Lanes>) {
    let raw = UnsafeRawPointer(src)
    @inline(__always) func rowOffset(_ l: Int) -> Int { Swift.min(l, rows &- 1) &* n }
    var t = 0
    while t &+ 8 <= h {
        let f = 2 &* t
        transpose16({ l in raw.loadUnaligned(fromByteOffset: (rowOffset(l) &+ f) &* 4, as: Lanes.self) },
                    { c, v in dst[f &+ c] = v })
        t &+= 8
    }
    let flat = UnsafeMutableRawPointer(dst).assumingMemoryBound(to: Float.self)
    while t < h {
        for l in 0..<laneCount {
            flat[(2 &* t) &* laneCount &+ l] = src[rowOffset(l) &+ 2 &* t]
            flat[(2 &* t &+ 1) &* laneCount &+ l] = src[rowOffset(l) &+ 2 &* t &+ 1]
        }
        t &+= 1
    }
}

/// Bin `k` (`0…h`) of the real transform from the half-length spectrum `z` in lane layout:
/// with j = (h − k) mod h, E = Z_k + conj Z_j, O = (Z_k − conj Z_j)/i and `w` = e^{−2πik/n}/2,
/// X_k = E/2 + w·O (see the top of HalfLengthRFFT.swift; at k = 0, h/2 and h this is
/// Re Z_0 + Im Z_0, conj Z_{h/2} and Re Z_0 − Im Z_0).
@inline(__always)
private func laneBin(
    _ z: UnsafeMutablePointer<Lanes>, _ k: Int, h: Int, _ w: UnsafePointer<Float>, _ position: UnsafePointer<Int>
) -> (Lanes, Lanes) {
    // position[h] = position[0]: Z_h ≡ Z_0.
    let i = 2 &* position[k], j = 2 &* position[h &- k]
    let ar = z[i], ai = z[i &+ 1], br = z[j], bi = z[j &+ 1]
    let er = ar + br, ei = ai - bi, or = ai + bi, oi = br - ar
    let half = Lanes(repeating: 0.5)
    let (tr, ti) = cmul(or, oi, Lanes(repeating: w[2 &* k]), Lanes(repeating: w[2 &* k &+ 1]))
    return (tr.adding(half, times: er), ti.adding(half, times: ei))
}

/// Bins `0 ..< m` of the real transform, formed from the half-length spectrum `z` (lane layout)
/// eight at a time into `scratch` (16 vectors) and transposed into `rows` output rows of `m`
/// (re, im) pairs.
@inline(__always)
private func laneBinsStore(
    _ z: UnsafeMutablePointer<Lanes>, h: Int, bins m: Int, rows: Int, twiddles w: UnsafePointer<Float>,
    position: UnsafePointer<Int>, scratch: UnsafeMutablePointer<Lanes>, into dst: UnsafeMutablePointer<Float>
) {
    let raw = UnsafeMutableRawPointer(dst), row = 2 &* m
    var k = 0
    while k &+ 8 <= m {
        for c in 0..<8 { (scratch[2 &* c], scratch[2 &* c &+ 1]) = laneBin(z, k &+ c, h: h, w, position) }
        let f = 2 &* k
        transpose16({ c in scratch[c] }, { l, v in
            if l < rows { raw.storeBytes(of: v, toByteOffset: (l &* row &+ f) &* 4, as: Lanes.self) }
        })
        k &+= 8
    }
    let flat = UnsafeMutableRawPointer(scratch).assumingMemoryBound(to: Float.self)
    while k < m {
        let (re, im) = laneBin(z, k, h: h, w, position)
        scratch[0] = re
        scratch[1] = im
        for l in 0..<rows {
            dst[l &* row &+ 2 &* k] = flat[l]
            dst[l &* row &+ 2 &* k &+ 1] = flat[laneCount &+ l]
        }
        k &+= 1
    }
}
