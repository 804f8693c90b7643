// The real FFT of the last axis and its inverse, each with its backward (the adjoint of the
// linear map), through cached FFTW plans. Complex values are stored as a trailing axis of 2
// (real, imaginary), `torch.view_as_real`'s layout, which is exactly FFTW's interleaved
// `fftw_complex` rows: FFTW reads and writes tensor storage directly.
//
// Adjoints, with θ = 2πkt/n and n the signal length:
//   rfft   X_k = Σ_t x_t e^{−iθ}, k = 0…n/2, so Re X_k = Σ x_t cos θ and Im X_k = −Σ x_t sin θ.
//          For a gradient G_k = g_re,k + i·g_im,k on the outputs,
//          ∂L/∂x_t = Σ_k (g_re,k cos θ − g_im,k sin θ) = Re Σ_{k=0}^{n/2} G_k e^{+iθ}.
//          FFTW's c2r computes Re Y_0 + 2·Σ_{0<k<n/2} Re(Y_k e^{iθ}) + Re Y_{n/2}·(−1)^t (it
//          assumes Hermitian symmetry, so each interior bin counts twice), hence
//          ∂L/∂x = c2r(Y) with Y_k = G_k/2 for interior bins, Y_0 = Re G_0, Y_{n/2} = Re G_{n/2}.
//          The imaginary gradients of DC and (even n) Nyquist drop out: those outputs are
//          identically 0. Example: x = [0,1,2,3], L = Σ Re X_k gives ∂L/∂x = [3,0,1,0].
//   irfft  y_t = (1/n)(Re Y_0 + 2·Σ_{interior} Re(Y_k e^{iθ}) + Re Y_{n/2}(−1)^t), so with
//          G = r2c(g): ∂L/∂Re Y_k = (2/n) Re G_k and ∂L/∂Im Y_k = (2/n) Im G_k for interior
//          bins, (1/n) Re G_k and 0 for DC and Nyquist, and 0 for bins past n/2 (truncated).

extension Tensor {
    /// The one-sided discrete Fourier transform of the last axis (`torch.fft.rfft`),
    /// unnormalised, as a real tensor of shape `[..., n/2 + 1, 2]` holding (real, imaginary)
    /// pairs — the layout of `torch.view_as_real(torch.fft.rfft(x))`. Integer and bool input
    /// is promoted to float32 first, as PyTorch's.
    ///
    ///     Tensor([0, 1, 2, 3]).rfft()   // [[6, 0], [-2, 2], [-2, 0]]
    public final func rfft() -> Tensor {
        if rank == 0 { opError("rfft", "expected a tensor with at least one dimension, got a 0-d tensor") }
        if !dtype.isFloatingPoint { return to(.float32).rfft() }
        let n = shape[rank - 1]
        if n < 1 { opError("rfft", "Invalid number of data points (\(n)) specified (shape \(shape))") }
        let bins = n / 2 + 1, batch = count / n
        let out = Tensor(storage: Storage(dtype: dtype, count: batch * bins * 2), shape: shape.dropLast() + [bins, 2])
        FFTW.r2c(n: n, batch: batch, dtype: dtype, input: storage.raw, output: out.storage.raw)
        if Tensor.needsGrad(self) {
            let inputShape = shape, dtype = dtype
            out.record("FftR2CBackward0", self) { g in
                [Tensor.rfftAdjoint(g.dtype == dtype ? g : g.to(dtype), n: n, batch: batch, inputShape: inputShape)]
            }
        }
        return out
    }

    /// The inverse of ``rfft()`` (`torch.fft.irfft`): `[..., m, 2]` (real, imaginary) pairs of
    /// a one-sided spectrum to `n` real samples, normalised by `1/n`.
    ///
    /// `n` defaults to `2·(m − 1)`; bins past `n/2` are ignored and missing ones taken as 0.
    /// The imaginary parts of the DC bin and (even `n`) the Nyquist bin are ignored, as in
    /// PyTorch and numpy.
    ///
    ///     let x = Tensor([0, 1, 2, 3, 4])
    ///     x.rfft().irfft(n: 5)          // [0, 1, 2, 3, 4]
    public final func irfft(n: Int? = nil) -> Tensor {
        guard rank >= 2, shape[rank - 1] == 2 else {
            opError("irfft", "expected a real view of a complex tensor with shape [..., m, 2] (real, imaginary), got shape \(shape)")
        }
        if !dtype.isFloatingPoint { return to(.float32).irfft(n: n) }
        let m = shape[rank - 2]
        let n = n ?? 2 * (m - 1)
        if n < 1 || m < 1 { opError("irfft", "Invalid number of data points (\(n)) specified (input shape \(shape))") }
        let bins = n / 2 + 1, batch = count / (2 * m)
        // c2r destroys its input, so it runs on a copy; the copy also applies the 1/n, drops the
        // imaginary parts FFTW must not see and pads or truncates to n/2 + 1 bins.
        let scratch = Storage(dtype: dtype, count: batch * bins * 2)
        Tensor.scaleSpectrum(from: storage.raw, bins: m, to: scratch.raw, bins: bins, batch: batch, n: n,
                             edge: 1 / Double(n), interior: 1 / Double(n), dtype: dtype)
        let out = Tensor(storage: Storage(dtype: dtype, count: batch * n), shape: shape.dropLast(2) + [n])
        FFTW.c2r(n: n, batch: batch, dtype: dtype, input: scratch.raw, output: out.storage.raw)
        if Tensor.needsGrad(self) {
            let inputShape = shape, dtype = dtype
            out.record("FftC2RBackward0", self) { g in
                [Tensor.irfftAdjoint(g.dtype == dtype ? g : g.to(dtype), n: n, bins: m, batch: batch, inputShape: inputShape)]
            }
        }
        return out
    }

    /// The first `bins` coefficients of ``rfft()``, shape `[..., bins, 2]`: the same values as
    /// `rfft().narrow(axis: -2, start: 0, length: bins)`, computed without the full spectrum.
    ///
    /// For even `n` the transform is a complex FFT of `n/2` points read straight from the
    /// input, followed by one pass that forms exactly the `bins` coefficients (and the
    /// backward one such pass and one inverse half-length FFT). For odd `n`, rows are
    /// transformed a few at a time into a small cache-resident scratch buffer and only the
    /// kept bins are copied out. Large batches are split over two threads. `bins` runs from 0 to
    /// `n/2 + 1` (all of them is plain ``rfft()``). The gradient is the transform's adjoint
    /// with zeros for the dropped bins.
    ///
    ///     x.rfft(bins: x.size(-1) / 2)    // the leading half of the spectrum
    public final func rfft(bins: Int) -> Tensor {
        if rank == 0 { opError("rfft", "expected a tensor with at least one dimension, got a 0-d tensor") }
        if !dtype.isFloatingPoint { return to(.float32).rfft(bins: bins) }
        let n = shape[rank - 1]
        if n < 1 { opError("rfft", "Invalid number of data points (\(n)) specified (shape \(shape))") }
        let half = n / 2 + 1
        if bins < 0 || bins > half { opError("rfft", "bins must be in 0...\(half) for \(n) samples, got \(bins)") }
        if bins == 0 { return rfft().narrow(axis: -2, start: 0, length: 0) }
        if n % 2 == 0 && n >= KernelStrategy.halfLengthMinimum {
            // Even n: a complex FFT of n/2 points and one butterfly pass (HalfLengthRFFT.swift).
            let out = rfftHalfLength(bins: bins)
            if Tensor.needsGrad(self) {
                let inputShape = shape, dtype = dtype, batch = count / n
                out.record("FftR2CBackward0", self) { g in
                    [Tensor.rfftHalfLengthAdjoint(g.dtype == dtype ? g : g.to(dtype), n: n, batch: batch,
                                                  inputShape: inputShape, bins: bins)]
                }
            }
            return out
        }
        if bins == half { return rfft() }
        let batch = count / n, size = dtype.byteSize
        // Row groups must start 64-byte aligned in the input (the alignment plans are made for).
        let rowAlign = 64 / gcd(n * size, 64)
        let out = Tensor(storage: Storage(dtype: dtype, count: batch * bins * 2), shape: shape.dropLast() + [bins, 2])
        let input = storage.raw, output = out.storage.raw, dtype = dtype
        parallelChunks(batch, align: rowAlign, unitCost: n, grain: 1 << 14) { lo, hi in
            // Equal blocks of at most ~512 KB of spectrum (well inside this core's L2), each a
            // whole number of aligned row groups.
            let rowBytes = half * 2 * size
            let blocks = Swift.max(1, ((hi - lo) * rowBytes + (512 << 10) - 1) / (512 << 10))
            let block = Swift.max(1, ((hi - lo + blocks - 1) / blocks + rowAlign - 1) / rowAlign) * rowAlign
            let scratch = Storage(dtype: dtype, count: Swift.min(block, hi - lo) * half * 2)
            var row = lo
            while row < hi {
                let rows = Swift.min(block, hi - row)
                FFTW.r2cRows(n: n, batch: rows, dtype: dtype, input: input + row * n * size, output: scratch.raw)
                for r in 0..<rows {
                    (output + (row + r) * bins * 2 * size).copyMemory(
                        from: scratch.raw + r * half * 2 * size, byteCount: bins * 2 * size)
                }
                row += rows
            }
        }
        if Tensor.needsGrad(self) {
            let inputShape = shape
            out.record("FftR2CBackward0", self) { g in
                [Tensor.rfftAdjoint(g.dtype == dtype ? g : g.to(dtype), n: n, batch: batch, inputShape: inputShape, bins: bins)]
            }
        }
        return out
    }

    /// `∂L/∂x` of `rfft` for `g` of shape `[..., bins, 2]` (see the derivation at the top):
    /// `bins` is `n/2 + 1` for ``rfft()``, fewer for ``rfft(bins:)`` (missing bins count as 0).
    static func rfftAdjoint(_ g: Tensor, n: Int, batch: Int, inputShape: [Int], bins srcBins: Int? = nil) -> Tensor {
        let bins = n / 2 + 1
        let scratch = Storage(dtype: g.dtype, count: batch * bins * 2)
        scaleSpectrum(from: g.storage.raw, bins: srcBins ?? bins, to: scratch.raw, bins: bins, batch: batch, n: n,
                      edge: 1, interior: 0.5, dtype: g.dtype)
        let dx = Tensor(storage: Storage(dtype: g.dtype, count: batch * n), shape: inputShape)
        FFTW.c2r(n: n, batch: batch, dtype: g.dtype, input: scratch.raw, output: dx.storage.raw)
        return dx
    }

    /// `∂L/∂Y` of `irfft(n:)` for `g` of shape `[..., n]`, as `[..., bins, 2]`.
    static func irfftAdjoint(_ g: Tensor, n: Int, bins: Int, batch: Int, inputShape: [Int]) -> Tensor {
        let half = n / 2 + 1
        let dy = Tensor(storage: Storage(dtype: g.dtype, count: batch * bins * 2), shape: inputShape)
        // When the input had exactly n/2 + 1 bins, FFTW writes into the gradient and the
        // scaling runs in place; otherwise through a scratch spectrum that is cut or padded.
        let spectrum = bins == half ? dy.storage : Storage(dtype: g.dtype, count: batch * half * 2)
        FFTW.r2c(n: n, batch: batch, dtype: g.dtype, input: g.storage.raw, output: spectrum.raw)
        scaleSpectrum(from: spectrum.raw, bins: half, to: dy.storage.raw, bins: bins, batch: batch, n: n,
                      edge: 1 / Double(n), interior: 2 / Double(n), dtype: g.dtype)
        withExtendedLifetime(spectrum) {}
        return dy
    }

    /// Copies `batch` rows of half-spectra of an `n`-point signal, `srcBins` → `dstBins`
    /// bins each: DC and Nyquist real parts times `edge` with their imaginary parts zeroed,
    /// interior bins times `interior`, bins missing from the source zero. `src` may equal `dst`.
    ///
    /// FFTW's c2r happens to ignore those imaginary parts too, but it only documents results
    /// for Hermitian input, so they are zeroed here rather than relied on.
    static func scaleSpectrum(
        from src: UnsafeMutableRawPointer, bins srcBins: Int, to dst: UnsafeMutableRawPointer, bins dstBins: Int,
        batch: Int, n: Int, edge: Double, interior: Double, dtype: DType
    ) {
        switch dtype {
        case .float32:
            scaleSpectrum(src.assumingMemoryBound(to: Float.self), srcBins, dst.assumingMemoryBound(to: Float.self), dstBins,
                          batch: batch, n: n, edge: Float(edge), interior: Float(interior))
        case .float64:
            scaleSpectrum(src.assumingMemoryBound(to: Double.self), srcBins, dst.assumingMemoryBound(to: Double.self), dstBins,
                          batch: batch, n: n, edge: edge, interior: interior)
        case .int64, .int32, .uint8, .bool: notImplemented("fft", dtype)
        }
    }

    @inline(__always)
    private static func scaleSpectrum<T: KernelScalar>(
        _ src: UnsafeMutablePointer<T>, _ srcBins: Int, _ dst: UnsafeMutablePointer<T>, _ dstBins: Int,
        batch: Int, n: Int, edge: T, interior: T
    ) {
        let copied = Swift.min(srcBins, dstBins)
        // Interior bins are 1 ..< ceil(n/2); for even n the next one is Nyquist.
        let interiorEnd = Swift.min(copied, (n + 1) / 2)
        // Rows split over threads as the transforms split them.
        parallelChunks(batch, align: 1, unitCost: dstBins &* 2, grain: 1 << 13) { lo, hi in
        for b in lo..<hi {
            let s = src + b &* srcBins &* 2, d = dst + b &* dstBins &* 2
            d[0] = s[0] * edge
            d[1] = 0
            var j = 2
            while j < 2 &* interiorEnd {
                d[j] = s[j] * interior
                j &+= 1
            }
            if interiorEnd < copied {
                // Only the Nyquist bin of an even n remains among the copied bins.
                d[j] = s[j] * edge
                d[j &+ 1] = 0
                j &+= 2
            }
            while j < 2 &* dstBins {
                d[j] = 0
                j &+= 1
            }
        }
        }
    }
}

/// Greatest common divisor of two positive integers.
func gcd(_ a: Int, _ b: Int) -> Int {
    var (a, b) = (a, b)
    while b != 0 { (a, b) = (b, a % b) }
    return a
}
