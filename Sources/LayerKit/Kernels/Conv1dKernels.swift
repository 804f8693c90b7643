// The loops of ``Tensor/conv1d(_:weight:bias:stride:padding:)`` (Ops/Conv1dOp.swift has the op,
// its checks and its graph): one GEMM per sample, im2col and its adjoint.

/// The sizes of one 1-D convolution's products: `rowsK = inChannels·kernel`.
struct Conv1dShape {
    let batch: Int, outChannels: Int, rowsK: Int, outLength: Int
}

/// `out[b] = W · cols[b] (+ bias·1ᵀ) (+ residual[b])`, one product per sample; the samples
/// split over LayerKit's threads when OpenBLAS is single-threaded
/// (``KernelStrategy/productGroups(_:unitCost:)``). The bias and the residual are written into
/// the output first, and the GEMM adds onto them (β = 1).
func conv1dForwardKernel(_ shape: Conv1dShape, weight: Storage, columns: Storage, bias: Storage?, residual: Storage?, into out: Storage) {
    struct Forward: FloatKernel {
        let shape: Conv1dShape, weight: Storage, columns: Storage, bias: Storage?, residual: Storage?, out: Storage
        func run<T: KernelScalar>(_: T.Type) {
            let (batch, outC, rowsK, outL) = (shape.batch, shape.outChannels, shape.rowsK, shape.outLength)
            let pw = weight.readPointer(T.self), pc = columns.readPointer(T.self), po = out.pointer(T.self)
            let pb = bias?.readPointer(T.self), pr = residual?.readPointer(T.self)
            forEachProductGroup(batch, groups: KernelStrategy.productGroups(batch, unitCost: Swift.max(outC, rowsK) * outL)) { _, lo, hi in
                for i in lo..<hi {
                    for o in 0..<outC {
                        let row = i * outC + o, dst = po + row * outL
                        switch (pr, pb) {
                        case let (pr?, pb?):
                            let src = pr + row * outL, bo = pb[o]
                            for l in 0..<outL { dst[l] = src[l] + bo }
                        case let (pr?, nil): dst.update(from: pr + row * outL, count: outL)
                        case let (nil, pb?): dst.update(repeating: pb[o], count: outL)
                        case (nil, nil): break
                        }
                    }
                    T.gemm(transA: false, transB: false, m: outC, n: outL, k: rowsK, alpha: 1,
                           a: pw, lda: rowsK, b: pc + i * rowsK * outL, ldb: outL,
                           beta: pb == nil && pr == nil ? 0 : 1, c: po + i * outC * outL, ldc: outL)
                }
            }
        }
    }
    out.dtype.dispatch("conv1d", Forward(shape: shape, weight: weight, columns: columns, bias: bias, residual: residual, out: out))
}

/// The backward's products for the upstream gradient `g` `[batch, outChannels, outLength]`:
/// `∂L/∂b_o = Σ_b Σ_l g_bol` added into `biasGradient`, `∂L/∂W = Σ_b g_b·cols_bᵀ` into
/// `weightGradient` and `∂L/∂cols_b = Wᵀ·g_b` into `columnsGradient` (each when given).
func conv1dBackwardKernel(
    _ shape: Conv1dShape, gradient g: Storage, weight: Storage, columns: Storage,
    biasGradient: Storage?, weightGradient: Storage?, columnsGradient: Storage?
) {
    struct Backward: FloatKernel {
        let shape: Conv1dShape, g: Storage, weight: Storage, columns: Storage
        let dB: Storage?, dW: Storage?, dCols: Storage?
        func run<T: KernelScalar>(_: T.Type) {
            let (batch, outC, rowsK, outL) = (shape.batch, shape.outChannels, shape.rowsK, shape.outLength)
            let pg = g.readPointer(T.self), pw = weight.readPointer(T.self), pc = columns.readPointer(T.self)
            if let dB {
                // One contiguous row of g per (b, o): row sums split over threads, then added per
                // channel in a fixed order.
                let pb = dB.pointer(T.self)
                var sums = [Double](repeating: 0, count: batch * outC)
                sums.withUnsafeMutableBufferPointer { ps in
                    let ps = ps.baseAddress!
                    parallelChunks(batch * outC, align: 1, unitCost: outL) { lo, hi in
                        for r in lo..<hi { ps[r] = contiguousSum(pg + r * outL, outL) }
                    }
                }
                for r in 0..<batch * outC { pb[r % outC] += T(sums[r]) }
            }
            let groups = KernelStrategy.productGroups(batch, unitCost: Swift.max(outC, rowsK) * outL)
            if let dW {
                // Each group of samples accumulates into its own slot (the first group into the
                // result), then the slots are added in order.
                if batch == 0 { dW.zero() }
                let size = outC * rowsK
                let slots = groups > 1 ? Storage(dtype: T.dtype, count: (groups - 1) * size) : nil
                let pd = dW.pointer(T.self), ps = slots?.pointer(T.self)
                forEachProductGroup(batch, groups: groups) { group, lo, hi in
                    let c = group == 0 ? pd : ps! + (group - 1) * size
                    for i in lo..<hi {
                        T.gemm(transA: false, transB: true, m: outC, n: rowsK, k: outL, alpha: 1,
                               a: pg + i * outC * outL, lda: outL, b: pc + i * rowsK * outL, ldb: outL,
                               beta: i == lo ? 0 : 1, c: c, ldc: rowsK)
                    }
                }
                if let ps {
                    for g in 0..<(groups - 1) {
                        let slot = ps + g * size
                        for j in 0..<size { pd[j] += slot[j] }
                    }
                }
                withExtendedLifetime(slots) {}
            }
            if let dCols {
                let pd = dCols.pointer(T.self)
                forEachProductGroup(batch, groups: groups) { _, lo, hi in
                    for i in lo..<hi {
                        T.gemm(transA: true, transB: false, m: rowsK, n: outL, k: outC, alpha: 1,
                               a: pw, lda: rowsK, b: pg + i * outC * outL, ldb: outL,
                               beta: 0, c: pd + i * rowsK * outL, ldc: outL)
                    }
                }
            }
        }
    }
    g.dtype.dispatch("conv1d", Backward(shape: shape, g: g, weight: weight, columns: columns,
                                        dB: biasGradient, dW: weightGradient, dCols: columnsGradient))
}

/// Where each kernel tap of a 1-D convolution reads its input.
struct Conv1dTaps {
    let batch: Int, channels: Int, length: Int, kernel: Int, stride: Int, padding: Int, outLength: Int

    /// The output positions `l` whose input position `l·stride + t − padding` lies inside
    /// `0..<length` for kernel tap `t`: the rest read (or write) the zero padding.
    func validRange(tap t: Int) -> Range<Int> {
        // l·s + t − p ≥ 0  ⇔  l ≥ ⌈(p − t)/s⌉;   l·s + t − p < length  ⇔  l < ⌈(length + p − t)/s⌉.
        func ceilDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a + b - 1) / b : -((-a) / b) }
        let lo = Swift.min(Swift.max(0, ceilDiv(padding - t, stride)), outLength)
        let hi = Swift.max(lo, Swift.min(outLength, ceilDiv(length + padding - t, stride)))
        return lo..<hi
    }

    /// im2col of `x` `[batch, channels, length]` into `out` `[batch, channels·kernel, outLength]`:
    /// entry `(c·k + t, l)` the padded input at `l·stride + t` of channel `c` (0 in the padding).
    /// Rows split over threads; with stride 1 each row is one copy between two runs of zeros.
    func columns(_ x: Storage, into out: Storage) {
        struct Columns: FloatKernel {
            let taps: Conv1dTaps, x: Storage, out: Storage
            func run<T: KernelScalar>(_: T.Type) {
                let (kernel, length, stride, padding, outLength) = (taps.kernel, taps.length, taps.stride, taps.padding, taps.outLength)
                let px = x.readPointer(T.self), po = out.pointer(T.self)
                let ranges = (0..<kernel).map { taps.validRange(tap: $0) }
                parallelChunks(taps.batch * taps.channels, align: 1, unitCost: kernel &* outLength) { lo, hi in
                    for row in lo..<hi {
                        let src = px + row &* length
                        for t in 0..<kernel {
                            let dst = po + (row &* kernel &+ t) &* outLength, valid = ranges[t]
                            dst.update(repeating: 0, count: valid.lowerBound)
                            (dst + valid.upperBound).update(repeating: 0, count: outLength &- valid.upperBound)
                            let start = src + (valid.lowerBound &* stride &+ t &- padding)
                            if stride == 1 {
                                (dst + valid.lowerBound).update(from: start, count: valid.count)
                            } else {
                                for (i, l) in valid.enumerated() { dst[l] = start[i &* stride] }
                            }
                        }
                    }
                }
            }
        }
        x.dtype.dispatch("conv1d", Columns(taps: self, x: x, out: out))
    }

    /// col2im, the adjoint of ``columns(_:into:)``: each column entry added into `out` (zeroed
    /// `[batch, channels, length]`) at the input position it was read from (entries from the
    /// padding dropped).
    func columnsAdjoint(_ cols: Storage, into out: Storage) {
        struct Adjoint: FloatKernel {
            let taps: Conv1dTaps, cols: Storage, out: Storage
            func run<T: KernelScalar>(_: T.Type) {
                let (kernel, length, stride, padding, outLength) = (taps.kernel, taps.length, taps.stride, taps.padding, taps.outLength)
                let pc = cols.readPointer(T.self), po = out.pointer(T.self)
                let ranges = (0..<kernel).map { taps.validRange(tap: $0) }
                parallelChunks(taps.batch * taps.channels, align: 1, unitCost: kernel &* outLength) { lo, hi in
                    for row in lo..<hi {
                        let dst = po + row &* length
                        for t in 0..<kernel {
                            let src = pc + (row &* kernel &+ t) &* outLength, valid = ranges[t]
                            let start = dst + (valid.lowerBound &* stride &+ t &- padding)
                            for (i, l) in valid.enumerated() { start[i &* stride] += src[l] }
                        }
                    }
                }
            }
        }
        cols.dtype.dispatch("conv1d", Adjoint(taps: self, cols: cols, out: out))
    }
}
