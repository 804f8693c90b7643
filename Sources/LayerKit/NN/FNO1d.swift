/// The one-dimensional Fourier Neural Operator of Li et al. (2020), as the paper's reference
/// implementation (`FNO1d` in `fourier_1d.py` of github.com/zongyi-li/fourier_neural_operator,
/// commit e12ed83d, the version with GELU and `cfloat` weights):
///
/// 1. lift (a(x), x) to `width` channels with `fc0 = Linear(2, width)`;
/// 2. four blocks `x ← conv_l(x) + w_l(x)` with `conv_l = SpectralConv1d(width, width, modes)`
///    and `w_l = Conv1d(width, width, 1)`, exact (erf) GELU after the first three;
/// 3. project with `fc1 = Linear(width, 128)`, GELU, `fc2 = Linear(128, 1)`.
///
/// Input `[batch, n, 2]`: the function a(x) and the grid x, the reference's `(a(x), x)`
/// (``FNO1d/withGrid(_:)`` appends the reference's grid, `linspace(0, 1, n)`, to `[batch, n]`
/// samples; a `[batch, n, 1]` input gets it appended too, as the reference's `get_grid`).
/// Output `[batch, n, 1]`. No domain padding: the reference leaves it commented out (periodic
/// data). Parameter names and shapes equal the reference's state dict (`fc0.weight`,
/// `conv0.weights1` `[width, width, modes, 2]` — the `view_as_real` of its `cfloat` weight —,
/// `w0.weight` `[width, width, 1]`, …, `fc2.bias`), so weights move to and from PyTorch.
///
/// The computation keeps the activations `[batch, channels, n]` throughout (the lifting and
/// projections are 1-wide convolutions with the `Linear` weights, no permutes) and makes each
/// block's sum inside `w_l`'s GEMM; the per-sample products split over LayerKit's threads.
///
///     let model = FNO1d(modes: 16, width: 64)
///     let u = model(FNO1d.withGrid(Tensor.randn([20, 1024])))    // [20, 1024, 1]
open class FNO1d: Module {
    /// Lifting `Linear(2, width)`.
    public let fc0: Linear
    /// The spectral convolution of block 0.
    public let conv0: SpectralConv1d
    /// The spectral convolution of block 1.
    public let conv1: SpectralConv1d
    /// The spectral convolution of block 2.
    public let conv2: SpectralConv1d
    /// The spectral convolution of block 3.
    public let conv3: SpectralConv1d
    /// The pointwise `Conv1d(width, width, 1)` of block 0.
    public let w0: Conv1d
    /// The pointwise `Conv1d(width, width, 1)` of block 1.
    public let w1: Conv1d
    /// The pointwise `Conv1d(width, width, 1)` of block 2.
    public let w2: Conv1d
    /// The pointwise `Conv1d(width, width, 1)` of block 3.
    public let w3: Conv1d
    /// Projection `Linear(width, 128)`.
    public let fc1: Linear
    /// Output `Linear(128, 1)`.
    public let fc2: Linear

    /// The number of Fourier modes each spectral convolution keeps.
    public let modes: Int
    /// The number of channels inside the blocks.
    public let width: Int

    /// The model with `modes` Fourier modes and `width` channels, initialised as PyTorch
    /// initialises the reference (Linear and Conv1d defaults, `SpectralConv1d`'s `scale·rand`),
    /// drawn from `generator` (or the global stream).
    ///
    ///     let model = FNO1d(modes: 16, width: 64, generator: Generator(seed: 0))
    public init(modes: Int, width: Int, dtype: DType = .float32, generator: Generator? = nil) {
        self.modes = modes
        self.width = width
        func linear(_ i: Int, _ o: Int) -> Linear {
            guard let generator else { return Linear(inFeatures: i, outFeatures: o, dtype: dtype) }
            // Linear's own initialiser draws from the global stream; with a generator, start from
            // placeholders and draw PyTorch's bounds from the generator only.
            let layer = Linear(lazyOutFeatures: o, bias: true, dtype: dtype)
            layer.weight.materialize([o, i])
            layer.bias?.materialize([o])
            let bound = 1 / Double(i).squareRoot()
            Init.uniform(layer.weight, low: -bound, high: bound, generator: generator)
            if let bias = layer.bias { Init.uniform(bias, low: -bound, high: bound, generator: generator) }
            return layer
        }
        func spectral() -> SpectralConv1d { SpectralConv1d(inChannels: width, outChannels: width, modes: modes, dtype: dtype, generator: generator) }
        func pointwise() -> Conv1d { Conv1d(inChannels: width, outChannels: width, kernelSize: 1, dtype: dtype, generator: generator) }
        fc0 = linear(2, width)
        (conv0, conv1, conv2, conv3) = (spectral(), spectral(), spectral(), spectral())
        (w0, w1, w2, w3) = (pointwise(), pointwise(), pointwise(), pointwise())
        fc1 = linear(width, 128)
        fc2 = linear(128, 1)
        super.init()
    }

    /// `[batch, n, 2]` (a(x), x) → `[batch, n, 1]`; a `[batch, n, 1]` input gets the grid appended.
    ///
    ///     let u = model(FNO1d.withGrid(a))    // a: [batch, n]
    open override func forward(_ x: Tensor) -> Tensor {
        guard x.rank == 3, x.shape[2] == 2 || x.shape[2] == 1 else {
            opError("FNO1d", "expected input [batch, n, 2] holding (a(x), x) or [batch, n, 1] holding a(x), got \(x.shape)")
        }
        let input = x.shape[2] == 1 ? FNO1d.withGrid(x.squeeze(2)) : x
        let (b, n) = (input.shape[0], input.shape[1])
        // The reference applies fc0 to [batch, n, 2], then permutes to [batch, width, n], and
        // permutes back before fc1. A Linear applied to every point is a 1-wide convolution with
        // the same weight, so here the activations stay [batch, channels, n] throughout: only
        // the 2-channel input is transposed, and fc2's [batch, 1, n] output is [batch, n, 1].
        var h = FNO1d.pointwise(input.permute([0, 2, 1]), fc0)          // [batch, width, n]
        let blocks = [(conv0, w0), (conv1, w1), (conv2, w2), (conv3, w3)]
        for (l, (conv, w)) in blocks.enumerated() {
            // conv(h) + w(h), the sum made by w's GEMM accumulating onto conv(h).
            h = Tensor.conv1d(h, weight: w.weight, bias: w.bias, stride: w.stride, padding: w.padding, adding: conv(h))
            if l < blocks.count - 1 { h = h.gelu() }
        }
        return FNO1d.pointwise(FNO1d.pointwise(h, fc1).gelu(), fc2).reshape([b, n, 1])
    }

    /// `layer` applied at every position of `x` `[batch, in, n]`: `[batch, out, n]`, the same
    /// values as `layer(x.permute([0, 2, 1])).permute([0, 2, 1])`, as one GEMM per batch row.
    static func pointwise(_ x: Tensor, _ layer: Linear) -> Tensor {
        let w = layer.weight
        return Tensor.conv1d(x, weight: w.reshape([w.shape[0], w.shape[1], 1]), bias: layer.bias)
    }

    /// The state-dict keys holding complex weights (`view_as_real` pairs): `conv0.weights1` …
    /// `conv3.weights1`. A file meant for PyTorch's `load_state_dict` as is stores these as
    /// `cfloat` (safetensors `C64`); the others are plain float tensors.
    ///
    ///     FNO1d.complexStateKeys      // ["conv0.weights1", "conv1.weights1", "conv2.weights1", "conv3.weights1"]
    public static let complexStateKeys = (0..<4).map { "conv\($0).weights1" }

    /// `[batch, n]` samples a(x) with the grid x = `linspace(0, 1, n)` appended (the
    /// reference's `get_grid`): `[batch, n, 2]`.
    ///
    ///     let input = FNO1d.withGrid(a)     // [batch, n] → [batch, n, 2]
    public static func withGrid(_ a: Tensor) -> Tensor {
        guard a.rank == 2 else { opError("FNO1d.withGrid", "expected samples [batch, n], got \(a.shape)") }
        let (b, n) = (a.shape[0], a.shape[1])
        let grid = Tensor.linspace(0, 1, steps: n, dtype: a.dtype).reshape([1, n, 1]).expand([b, n, 1])
        return Tensor.concat([a.reshape([b, n, 1]), grid], axis: 2)
    }
}
