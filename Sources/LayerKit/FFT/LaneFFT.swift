import CKernels
import Synchronization

// A batched complex FFT vectorised across rows, for the half-length transform inside the
// even-length float32 `rfft(bins:)` (HalfLengthRFFT.swift), run by the AVX-512 kernels of the
// `CKernels` target (`lane_fft.c`). This file holds the plans (stages, twiddles, digit-reversed
// positions) and the Swift entry point; CPUs without AVX-512 take FFTW's c2c instead
// (``KernelStrategy/laneFFT(n:batch:)``).
//
// Sixteen rows go side by side: a group of rows is transposed into a scratch buffer where
// element t of the transform is two 16-float vectors (the real parts of z_t of the 16 rows, then
// the imaginary parts). The FFT then runs on those vectors exactly as a scalar FFT would on one
// row — the same loads, adds and twiddle products, each one on 16 rows at once — so it needs no
// shuffles, and every twiddle factor is one broadcast per butterfly column. The butterflies that
// turn the half-length spectrum into the real one are computed in the same layout, eight bins at
// a time, straight into a second transposition that writes the kept bins to the output rows.
//
// The FFT is an in-place decimation in frequency, depth first: a stage of radix r on a block of
// length `len` reads a_j = x[p + j·len/r] and writes x[p + k·len/r] = w_len^{p·k}·Σ_j a_j·w_r^{j·k}
// (w_N = e^{−2πi/N}) for p < len/r, then transforms each of its r sub-blocks the same way before
// the next block. After the first stage every sub-block is at most h/8 elements (32 KB for
// h = 512), so the later stages run inside L1. Bin κ = r·κ' + k ends at k·len/r + (position of
// κ' in sub-block k): digit-reversed, which the butterfly pass reads through a table.
// Radices 8 (mostly), 4, 2, 3 and 5.

/// A lane FFT of `h` points: its stages and their twiddle factors.
final class LaneFFTPlan: Sendable {
    /// Rows transformed together: lane l of a vector belongs to row l of a row group.
    static let lanes = 16

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

// MARK: - The real transform

extension Tensor {
    /// ``rfftHalfLength(bins:)`` for float32 on ``LaneFFTPlan`` and the AVX-512 kernels (on a
    /// CPU that has them): rows go 16 at a time through the lane FFT of `n/2` points, the
    /// butterflies and a transposition into the output. `threads` overrides the thread count (tests).
    final func rfftLanes(bins m: Int, threads: Int? = nil) -> Tensor {
        let n = shape[rank - 1], h = n / 2, batch = count / n
        let level = KernelStrategy.level
        guard level >= .avx512 else { opError("rfft", "the lane FFT needs a CPU with AVX-512, this one runs at \(level)") }
        guard dtype == .float32, n % 2 == 0, let plan = LaneFFTCache.plan(h: h) else {
            opError("rfft", "the lane FFT takes float32 rows of an even length with factors 2, 3 and 5, got \(dtype) \(shape)")
        }
        let out = Tensor(storage: Storage(dtype: dtype, count: batch * m * 2), shape: shape.dropLast() + [m, 2])
        let input = storage.readPointer(Float.self), output = out.storage.pointer(Float.self)
        let groups = (batch + LaneFFTPlan.lanes - 1) / LaneFFTPlan.lanes
        let threads = threads ?? (batch * n >= KernelStrategy.fftGrain ? Swift.min(Parallelism.threadCount, groups) : 1)
        plan.binTwiddles.withUnsafeBufferPointer { w in
        plan.position.withUnsafeBufferPointer { position in
        plan.twiddles.withUnsafeBufferPointer { tw in
        plan.stageTable.withUnsafeBufferPointer { st in
            lk_lane_rfft(level.code, input, n, batch, m, output, st.baseAddress!, plan.stages.count, tw.baseAddress!,
                         w.baseAddress!, position.baseAddress!, threads)
        }
        }
        }
        }
        return out
    }
}
