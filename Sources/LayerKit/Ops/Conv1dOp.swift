// One-dimensional convolution (PyTorch's `F.conv1d`, a cross-correlation), forward and backward
// side by side, by im2col + GEMM.
//
// With x [B, C, L] zero-padded by p on both sides, kernel k, stride s, Lout = (L + 2p − k)/s + 1,
// the columns X_b[(c·k + t), l] = x_pad[b, c, l·s + t] ([C·k, Lout]) and W viewed as
// [O, C·k] (its own layout):
//   forward   y_b = W · X_b + b·1ᵀ                       (gemm per batch row)
//   ∂L/∂W   = Σ_b g_b · X_bᵀ                            (gemm, transB, accumulated with β = 1)
//   ∂L/∂X_b = Wᵀ · g_b                                  (gemm, transA), then col2im: each
//             column entry is added back to the x position it was read from
//   ∂L/∂b_o = Σ_b Σ_l g_bol
// A 1-wide kernel with stride 1 and no padding has X_b = x_b: no columns are built and the
// layer is exactly the GEMM W · x_b (the FNO's pointwise `w` layers).

extension Tensor {
    /// A 1-D convolution of `x` `[batch, inChannels, length]` (or `[inChannels, length]`) with
    /// `weight` `[outChannels, inChannels, kernelSize]` (PyTorch's `F.conv1d`): the output is
    /// `[batch, outChannels, (length + 2·padding − kernelSize)/stride + 1]`.
    ///
    ///     let y = Tensor.conv1d(x, weight: w, bias: b, stride: 1, padding: 1)
    public static func conv1d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) -> Tensor {
        conv1d(x, weight: weight, bias: bias, stride: stride, padding: padding, adding: nil)
    }

    /// `residual + conv1d(x, …)` in one pass over the output: the GEMM accumulates onto a copy of
    /// `residual` (which must have the output's shape), so no separate sum is made. The FNO's
    /// blocks `conv_l(h) + w_l(h)` use it; `residual`'s gradient is the output's.
    static func conv1d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int, adding residual: Tensor?) -> Tensor {
        guard weight.rank == 3, x.rank == 2 || x.rank == 3, x.shape[x.rank - 2] == weight.shape[1] else {
            opError("conv1d", "expected input [batch, \(weight.rank == 3 ? weight.shape[1] : -1), length] or [channels, length] for weight \(weight.shape) ([out, in, kernel]), got input \(x.shape)")
        }
        if stride < 1 || padding < 0 {
            opError("conv1d", "stride must be ≥ 1 and padding ≥ 0, got stride \(stride), padding \(padding)")
        }
        let (outC, inC, k) = (weight.shape[0], weight.shape[1], weight.shape[2])
        if let bias, bias.shape != [outC] {
            opError("conv1d", "bias of shape \(bias.shape) does not match weight \(weight.shape)")
        }
        let batch = x.rank == 3 ? x.shape[0] : 1, length = x.shape[x.rank - 1]
        let span = length + 2 * padding - k
        if span < 0 || k < 1 {
            opError("conv1d", "kernel size \(k) can't be greater than the padded input length \(length + 2 * padding) (input \(x.shape), padding \(padding))")
        }
        let outL = span / stride + 1, rowsK = inC * k
        let dtype = DType.promoted(x.dtype, weight.dtype)
        let xs = x.to(dtype), w = weight.to(dtype), b = bias?.to(dtype)
        let xd = xs.detach(), wd = w.detach()
        let direct = k == 1 && stride == 1 && padding == 0
        let cols = direct ? xd : conv1dColumns(xd, batch: batch, channels: inC, length: length, kernel: k, stride: stride, padding: padding, outLength: outL)
        let outShape = x.rank == 3 ? [batch, outC, outL] : [outC, outL]
        if let residual, residual.shape != outShape {
            opError("conv1d", "the residual added to the output has shape \(residual.shape), expected \(outShape)")
        }
        let r = residual?.to(dtype)
        let rd = r?.detach()
        let out = Tensor(storage: Storage(dtype: dtype, count: batch * outC * outL), shape: outShape)
        func forward<T: KernelScalar>(_: T.Type) {
            let pw = wd.storage.readPointer(T.self), pc = cols.storage.readPointer(T.self), po = out.storage.pointer(T.self)
            let pb = b?.storage.readPointer(T.self), pr = rd?.storage.readPointer(T.self)
            // One product per sample; the samples split over LayerKit's threads when OpenBLAS is
            // single-threaded (Threading/BLASThreads.swift). The bias and the residual are
            // written into the output first, and the GEMM adds onto them (β = 1).
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
        if out.count > 0 {
            if rowsK == 0 {
                // No input channels: the output is the bias (and the residual).
                let base = rd ?? Tensor.zeros(outShape, dtype: dtype)
                let filled = b.map { base + $0.detach().reshape([outC, 1]) } ?? base
                out.storage.raw.copyMemory(from: filled.storage.readRaw, byteCount: out.count * dtype.byteSize)
            } else {
                if dtype == .float64 { forward(Double.self) } else if dtype == .float32 { forward(Float.self) } else {
                    opError("conv1d", "expected float32 or float64 tensors, got \(dtype)")
                }
            }
        }
        guard needsGrad(xs, w) || (b.map { needsGrad($0) } ?? false) || (r.map { needsGrad($0) } ?? false) else { return out }
        out.record("ConvolutionBackward0", [xs, w] + (b.map { [$0] } ?? []) + (r.map { [$0] } ?? [])) { g in
            let g = g.to(dtype)
            var dCols: Tensor?
            var dW: Tensor?
            let dB = b.map { _ in Tensor.zeros([outC], dtype: dtype) }
            func backward<T: KernelScalar>(_: T.Type) {
                let pg = g.storage.readPointer(T.self), pw = wd.storage.readPointer(T.self), pc = cols.storage.readPointer(T.self)
                if let dB {
                    // ∂L/∂b_o = Σ_b Σ_l g_bol: one contiguous row of g per (b, o).
                    let pb = dB.storage.pointer(T.self)
                    // Row sums split over threads, then added per channel in a fixed order.
                    var sums = [Double](repeating: 0, count: batch * outC)
                    sums.withUnsafeMutableBufferPointer { ps in
                        let ps = ps.baseAddress!
                        parallelChunks(batch * outC, align: 1, unitCost: outL) { lo, hi in
                            for r in lo..<hi { ps[r] = contiguousSum(UnsafePointer(pg + r * outL), outL) }
                        }
                    }
                    for r in 0..<batch * outC { pb[r % outC] += T(sums[r]) }
                }
                let groups = KernelStrategy.productGroups(batch, unitCost: Swift.max(outC, rowsK) * outL)
                if w.requiresGrad && rowsK > 0 {
                    // Σ_b g_b·X_bᵀ: each group of samples accumulates into its own slot (the
                    // first group into the result), then the slots are added in order.
                    let d = Tensor(storage: Storage(dtype: dtype, count: outC * rowsK), shape: [outC, inC, k])
                    if batch == 0 { d.fill(0) }
                    let size = outC * rowsK
                    let slots = groups > 1 ? Storage(dtype: dtype, count: (groups - 1) * size) : nil
                    let pd = d.storage.pointer(T.self), ps = slots?.pointer(T.self)
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
                    dW = d
                }
                if xs.requiresGrad && rowsK > 0 {
                    let d = Tensor(storage: Storage(dtype: dtype, count: batch * rowsK * outL), shape: [batch, rowsK, outL])
                    let pd = d.storage.pointer(T.self)
                    forEachProductGroup(batch, groups: groups) { _, lo, hi in
                        for i in lo..<hi {
                            T.gemm(transA: true, transB: false, m: rowsK, n: outL, k: outC, alpha: 1,
                                   a: pw, lda: rowsK, b: pg + i * outC * outL, ldb: outL,
                                   beta: 0, c: pd + i * rowsK * outL, ldc: outL)
                        }
                    }
                    dCols = d
                }
            }
            if outC * outL > 0 {
                if dtype == .float64 { backward(Double.self) } else if dtype == .float32 { backward(Float.self) } else {
                    opError("conv1d", "expected float32 or float64 tensors, got \(dtype)")
                }
            }
            let dx: Tensor? = !xs.requiresGrad ? nil : dCols.map { d in
                (direct ? d : conv1dColumnsAdjoint(d, batch: batch, channels: inC, length: length, kernel: k, stride: stride, padding: padding, outLength: outL)).reshape(xs.shape)
            } ?? Tensor.zeros(xs.shape, dtype: dtype)
            let dWfull = w.requiresGrad ? (dW ?? Tensor.zeros(w.shape, dtype: dtype)) : nil
            var grads: [Tensor?] = [dx, dWfull]
            if let dB { grads.append(dB) }
            if r != nil { grads.append(g) }
            return grads
        }
        return out
    }

    /// The output positions `l` whose input position `l·stride + t − padding` lies inside
    /// `0..<length` for kernel tap `t`: the rest read (or write) the zero padding.
    @inline(__always)
    static func conv1dValidRange(tap t: Int, length: Int, stride: Int, padding: Int, outLength: Int) -> Range<Int> {
        // l·s + t − p ≥ 0  ⇔  l ≥ ⌈(p − t)/s⌉;   l·s + t − p < length  ⇔  l < ⌈(length + p − t)/s⌉.
        func ceilDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a + b - 1) / b : -((-a) / b) }
        let lo = Swift.min(Swift.max(0, ceilDiv(padding - t, stride)), outLength)
        let hi = Swift.max(lo, Swift.min(outLength, ceilDiv(length + padding - t, stride)))
        return lo..<hi
    }

    /// im2col: `[batch, channels·kernel, outLength]` with entry `(c·k + t, l)` the padded input at
    /// `l·stride + t` of channel `c` (0 in the padding). Rows split over threads; with stride 1 each
    /// row is one copy between two runs of zeros. No graph.
    static func conv1dColumns(_ x: Tensor, batch: Int, channels: Int, length: Int, kernel: Int, stride: Int, padding: Int, outLength: Int) -> Tensor {
        let out = Tensor(storage: Storage(dtype: x.dtype, count: batch * channels * kernel * outLength), shape: [batch, channels * kernel, outLength])
        func run<T: KernelScalar>(_: T.Type) {
            let px = x.storage.readPointer(T.self), po = out.storage.pointer(T.self)
            let ranges = (0..<kernel).map { conv1dValidRange(tap: $0, length: length, stride: stride, padding: padding, outLength: outLength) }
            parallelChunks(batch * channels, align: 1, unitCost: kernel &* outLength) { lo, hi in
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
        if x.dtype == .float64 { run(Double.self) } else if x.dtype == .float32 { run(Float.self) } else {
            opError("conv1d", "expected float32 or float64 tensors, got \(x.dtype)")
        }
        return out
    }

    /// col2im, the adjoint of ``conv1dColumns``: each column entry added back to the input
    /// position it was read from (entries from the padding dropped). No graph.
    static func conv1dColumnsAdjoint(_ cols: Tensor, batch: Int, channels: Int, length: Int, kernel: Int, stride: Int, padding: Int, outLength: Int) -> Tensor {
        let out = Tensor.zeros([batch, channels, length], dtype: cols.dtype)
        func run<T: KernelScalar>(_: T.Type) {
            let pc = cols.storage.readPointer(T.self), po = out.storage.pointer(T.self)
            let ranges = (0..<kernel).map { conv1dValidRange(tap: $0, length: length, stride: stride, padding: padding, outLength: outLength) }
            parallelChunks(batch * channels, align: 1, unitCost: kernel &* outLength) { lo, hi in
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
        if cols.dtype == .float64 { run(Double.self) } else if cols.dtype == .float32 { run(Float.self) } else {
            opError("conv1d", "expected float32 or float64 tensors, got \(cols.dtype)")
        }
        return out
    }
}
