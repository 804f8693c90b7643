/// Exercise "Custom Layers" 2: a layer that returns the leading half of the Fourier
/// coefficients of the last axis, as `[..., m, 2]` (real, imaginary — `torch.view_as_real`).
///
/// For `n` samples the discrete Fourier transform has `n` coefficients; for real input the
/// upper ones are the complex conjugates of the lower ones, so the "leading half" is
/// `X_0 … X_{m-1}` with `m = n/2` (integer division), equal to `numpy.fft.rfft(x)[..., :m]`.
/// With `includeNyquist: true` the layer returns the whole one-sided spectrum, `n/2 + 1`
/// coefficients (for even `n` the last is the Nyquist bin). Both keep the imaginary parts:
/// dropping them (`.real`) throws away the phase, and half of the information with it.
///
/// It is built on the FFTW-backed ``Tensor/rfft(bins:)``, whose backward is the adjoint of the
/// transform, so gradients are exact.
///
///     let layer = FourierHalfSpectrum()
///     layer(Tensor.randn([8, 16])).shape       // [8, 8, 2]
open class FourierHalfSpectrum: Module {
    /// Return `n/2 + 1` coefficients instead of `n/2`.
    public let includeNyquist: Bool

    /// The leading half (`n/2` coefficients), or the one-sided spectrum with `includeNyquist`.
    public init(includeNyquist: Bool = false) {
        self.includeNyquist = includeNyquist
        super.init()
    }

    open override var extraDescription: String { "include_nyquist=\(includeNyquist ? "True" : "False")" }

    /// The number of coefficients returned for `n` samples.
    public func coefficientCount(for n: Int) -> Int { includeNyquist ? n / 2 + 1 : n / 2 }

    open override func forward(_ x: Tensor) -> Tensor {
        // The leading m bins straight from FFTW, without the full n/2 + 1 spectrum and a copy:
        // the same values and gradient as `x.rfft().narrow(axis: -2, start: 0, length: m)`.
        x.rfft(bins: coefficientCount(for: x.shape.last ?? 1))
    }
}
