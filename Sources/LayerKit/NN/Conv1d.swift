/// A 1-D convolution over `[batch, inChannels, length]` (PyTorch's `nn.Conv1d`, zero padding,
/// no dilation or groups).
///
/// `weight` is `[outChannels, inChannels, kernelSize]` and `bias` `[outChannels]`, PyTorch's
/// names and layouts; both start `U(±1/√(inChannels·kernelSize))`, PyTorch's default
/// (`kaiming_uniform_(a: √5)` reduces to that bound). The computation is
/// ``Tensor/conv1d(_:weight:bias:stride:padding:)``: im2col + GEMM, and for `kernelSize: 1`
/// (the FNO's pointwise layers) the GEMM alone.
///
///     let conv = Conv1d(inChannels: 64, outChannels: 64, kernelSize: 1)
///     let y = conv(Tensor.randn([20, 64, 1024]))     // [20, 64, 1024]
open class Conv1d: Module {
    /// `[outChannels, inChannels, kernelSize]`.
    public var weight: Parameter
    /// `[outChannels]`, or nil for a layer made with `bias: false`.
    public var bias: Parameter?
    /// The step between kernel positions.
    public let stride: Int
    /// Zeros added at each end of the length axis.
    public let padding: Int

    /// The number of input channels.
    public var inChannels: Int { weight.shape[1] }
    /// The number of output channels.
    public var outChannels: Int { weight.shape[0] }
    /// The kernel's width.
    public var kernelSize: Int { weight.shape[2] }

    /// A convolution from `inChannels` to `outChannels` with PyTorch's default initialisation,
    /// drawn from `generator` (or the global stream).
    ///
    ///     Conv1d(inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1)
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true,
                dtype: DType = .float32, generator: Generator? = nil) {
        if inChannels < 1 || outChannels < 1 || kernelSize < 1 || stride < 1 || padding < 0 {
            opError("Conv1d", "expected positive channels, kernel size and stride and non-negative padding, got in \(inChannels), out \(outChannels), kernel \(kernelSize), stride \(stride), padding \(padding)")
        }
        self.stride = stride
        self.padding = padding
        let bound = 1 / Double(inChannels * kernelSize).squareRoot()
        weight = Parameter(Tensor.uniform([outChannels, inChannels, kernelSize], low: -bound, high: bound, dtype: dtype, generator: generator))
        self.bias = bias ? Parameter(Tensor.uniform([outChannels], low: -bound, high: bound, dtype: dtype, generator: generator)) : nil
        super.init()
    }

    /// The convolution of `x` `[batch, inChannels, length]` (or `[inChannels, length]`).
    ///
    ///     let y = conv.forward(x)      // same as conv(x)
    open override func forward(_ x: Tensor) -> Tensor {
        Tensor.conv1d(x, weight: weight, bias: bias, stride: stride, padding: padding)
    }

    /// `64, 64, kernel_size=(1,), stride=(1,)`, as PyTorch prints it.
    open override var extraDescription: String {
        var s = "\(inChannels), \(outChannels), kernel_size=(\(kernelSize),), stride=(\(stride),)"
        if padding != 0 { s += ", padding=(\(padding),)" }
        if bias == nil { s += ", bias=False" }
        return s
    }
}
