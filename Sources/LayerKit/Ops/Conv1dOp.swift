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
        let taps = Conv1dTaps(batch: batch, channels: inC, length: length, kernel: k, stride: stride, padding: padding, outLength: outL)
        let cols: Tensor
        if direct {
            cols = xd
        } else {
            cols = Tensor(storage: Storage(dtype: dtype, count: batch * rowsK * outL), shape: [batch, rowsK, outL])
            taps.columns(xd.storage, into: cols.storage)
        }
        let outShape = x.rank == 3 ? [batch, outC, outL] : [outC, outL]
        if let residual, residual.shape != outShape {
            opError("conv1d", "the residual added to the output has shape \(residual.shape), expected \(outShape)")
        }
        let r = residual?.to(dtype)
        let rd = r?.detach()
        let out = Tensor(storage: Storage(dtype: dtype, count: batch * outC * outL), shape: outShape)
        let shape = Conv1dShape(batch: batch, outChannels: outC, rowsK: rowsK, outLength: outL)
        if out.count > 0 {
            if rowsK == 0 {
                // No input channels: the output is the bias (and the residual).
                let base = rd ?? Tensor.zeros(outShape, dtype: dtype)
                let filled = b.map { base + $0.detach().reshape([outC, 1]) } ?? base
                out.storage.assign(from: filled.storage)
            } else {
                conv1dForwardKernel(shape, weight: wd.storage, columns: cols.storage, bias: b?.storage, residual: rd?.storage,
                                    into: out.storage)
            }
        }
        guard needsGrad(xs, w) || (b.map { needsGrad($0) } ?? false) || (r.map { needsGrad($0) } ?? false) else { return out }
        out.record("ConvolutionBackward0", [xs, w] + (b.map { [$0] } ?? []) + (r.map { [$0] } ?? [])) { g in
            let g = g.to(dtype)
            var dCols: Tensor?
            var dW: Tensor?
            let dB = b.map { _ in Tensor.zeros([outC], dtype: dtype) }
            if outC * outL > 0 {
                let dWs = w.requiresGrad && rowsK > 0 ? Storage(dtype: dtype, count: outC * rowsK) : nil
                let dColsS = xs.requiresGrad && rowsK > 0 ? Storage(dtype: dtype, count: batch * rowsK * outL) : nil
                conv1dBackwardKernel(shape, gradient: g.storage, weight: wd.storage, columns: cols.storage,
                                     biasGradient: dB?.storage, weightGradient: dWs, columnsGradient: dColsS)
                dW = dWs.map { Tensor(storage: $0, shape: [outC, inC, k]) }
                dCols = dColsS.map { Tensor(storage: $0, shape: [batch, rowsK, outL]) }
            }
            let dx: Tensor? = !xs.requiresGrad ? nil : dCols.map { d in
                if direct { return d.reshape(xs.shape) }
                let dx = Tensor.zeros(xs.shape, dtype: dtype)
                taps.columnsAdjoint(d.storage, into: dx.storage)
                return dx
            } ?? Tensor.zeros(xs.shape, dtype: dtype)
            let dWfull = w.requiresGrad ? (dW ?? Tensor.zeros(w.shape, dtype: dtype)) : nil
            var grads: [Tensor?] = [dx, dWfull]
            if let dB { grads.append(dB) }
            if r != nil { grads.append(g) }
            return grads
        }
        return out
    }
}
