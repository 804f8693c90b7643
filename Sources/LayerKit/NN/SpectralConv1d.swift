/// The Fourier layer of the Fourier Neural Operator (Li et al., 2020, `SpectralConv1d` in the
/// reference `fourier_1d.py`): rfft of the last axis, the leading `modes` coefficients each
/// multiplied by a learned complex `inChannels × outChannels` matrix, the rest zero, irfft back
/// to the input's length.
///
/// Input `[batch, inChannels, n]`, output `[batch, outChannels, n]`:
/// `out_ft[b, o, k] = Σ_i x_ft[b, i, k]·w[i, o, k]` for `k < modes`, 0 above. The complex weight
/// `weights1` is stored `[inChannels, outChannels, modes, 2]` (real, imaginary) — PyTorch's
/// `view_as_real` of the reference's `cfloat` parameter — initialised as the reference,
/// `scale·U(0, 1)` for both parts with `scale = 1/(inChannels·outChannels)`. `modes` may be
/// anything from 1 to `n/2 + 1`, and `n` odd or even.
///
/// For few modes (the FNO's 16 of 1024 points) the truncated rfft and irfft are GEMMs against a
/// cached cos/sin matrix, otherwise FFTW; the per-mode product is one complex GEMM per mode
/// (`cgemm`), an op with its own backward.
///
///     let layer = SpectralConv1d(inChannels: 64, outChannels: 64, modes: 16)
///     let y = layer(Tensor.randn([20, 64, 1024]))    // [20, 64, 1024]
open class SpectralConv1d: Module {
    /// `[inChannels, outChannels, modes, 2]`: the complex weight per mode as (real, imaginary).
    public var weights1: Parameter

    /// The number of input channels.
    public var inChannels: Int { weights1.shape[0] }
    /// The number of output channels.
    public var outChannels: Int { weights1.shape[1] }
    /// How many leading Fourier modes are kept (the reference's `modes1`).
    public var modes: Int { weights1.shape[2] }

    /// A layer keeping `modes` Fourier modes, initialised as the reference from `generator`
    /// (or the global stream).
    ///
    ///     SpectralConv1d(inChannels: 2, outChannels: 3, modes: 4, generator: Generator(seed: 0))
    public init(inChannels: Int, outChannels: Int, modes: Int, dtype: DType = .float32, generator: Generator? = nil) {
        if inChannels < 1 || outChannels < 1 || modes < 1 {
            opError("SpectralConv1d", "expected positive channels and modes, got in \(inChannels), out \(outChannels), modes \(modes)")
        }
        let scale = 1 / Double(inChannels * outChannels)
        weights1 = Parameter(Tensor.uniform([inChannels, outChannels, modes, 2], low: 0, high: scale, dtype: dtype, generator: generator))
        super.init()
    }

    /// The Fourier layer on `x` `[batch, inChannels, n]`; needs `modes ≤ n/2 + 1`.
    ///
    ///     let y = layer(Tensor.randn([4, 2, 9]))   // [4, 3, 9] for inChannels 2, outChannels 3
    open override func forward(_ x: Tensor) -> Tensor {
        let (i, m) = (inChannels, modes)
        guard x.rank == 3, x.shape[1] == i else {
            opError("SpectralConv1d", "expected input [batch, \(i), n], got \(x.shape)")
        }
        let n = x.shape[2]
        if m > n / 2 + 1 {
            opError("SpectralConv1d", "modes (\(m)) must be at most n/2 + 1 = \(n / 2 + 1) for input \(x.shape)")
        }
        // Few modes: the truncated transforms as GEMMs (Ops/TruncatedDFT.swift), else FFTW.
        let byGEMM = KernelStrategy.truncatedDFT(n: n, bins: m) && (x.dtype == .float32 || x.dtype == .float64)
        let spectrum = byGEMM ? x.truncatedRFFT(bins: m) : x.rfft(bins: m)          // [b, i, m, 2]
        // One complex GEMM per mode (Ops/SpectralMix.swift); irfft takes the bins past `modes` as zero.
        let product = Tensor.spectralMix(spectrum, weight: weights1)                    // [b, o, m, 2]
        return byGEMM ? product.truncatedIRFFT(n: n) : product.irfft(n: n)
    }
}
