/// Parameter initialisers (PyTorch's `torch.nn.init`).
///
/// Each fills a tensor — usually a ``Parameter`` — **in place** and without recording a
/// graph, and returns it. They work on any tensor and through ``Module/apply(_:)``:
///
///     // the book's init_normal, init_constant, init_xavier
///     net.apply { m in
///         if let m = m as? Linear { Init.normal(m.weight, mean: 0, std: 0.01); Init.zeros(m.bias!) }
///     }
///     net.apply(to: Linear.self) { Init.constant($0.weight, 1) }
///     net.apply(to: Linear.self) { Init.xavierUniform($0.weight) }
///
/// Fans follow PyTorch: for a weight `[out, in, k…]`, `fanIn = in·∏k` and `fanOut = out·∏k`.
/// Random draws come from `generator` or the global stream (``manualSeed(_:)``).
public enum Init {
    /// The non-linearity a gain is computed for (PyTorch's `nonlinearity` strings).
    public enum Nonlinearity: String, Sendable, CaseIterable {
        /// Gain 1 (also PyTorch's conv and identity).
        case linear
        /// Gain 1.
        case sigmoid
        /// Gain 5/3.
        case tanh
        /// Gain √2.
        case relu
        /// Gain √(2 / (1 + slope²)), slope 0.01 by default.
        case leakyRelu = "leaky_relu"
        /// Gain 3/4.
        case selu
    }

    /// Whether a kaiming initialiser preserves the variance of the forward pass (`fanIn`) or
    /// of the backward pass (`fanOut`).
    public enum FanMode: String, Sendable {
        /// Use the number of inputs.
        case fanIn = "fan_in"
        /// Use the number of outputs.
        case fanOut = "fan_out"
    }

    /// The recommended gain for `nonlinearity` (PyTorch's `calculate_gain`); `param` is the
    /// negative slope of a leaky ReLU.
    ///
    ///     Init.calculateGain(.relu)       // 1.414…
    public static func calculateGain(_ nonlinearity: Nonlinearity, param: Double? = nil) -> Double {
        switch nonlinearity {
        case .linear, .sigmoid: return 1
        case .tanh: return 5.0 / 3
        case .relu: return 2.0.squareRoot()
        case .leakyRelu:
            let slope = param ?? 0.01
            return (2 / (1 + slope * slope)).squareRoot()
        case .selu: return 3.0 / 4
        }
    }

    /// `(fanIn, fanOut)` of a weight of `shape` (rank ≥ 2), as PyTorch's
    /// `_calculate_fan_in_and_fan_out`.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        if shape.count < 2 {
            opError("Init", "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape \(shape))")
        }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// Overwrites `tensor`'s values with `values` (same shape), without recording.
    private static func fill(_ tensor: Tensor, _ op: String, with values: (DType) -> Tensor) {
        (tensor as? Parameter)?.requireInitialized("Init.\(op)")
        tensor.copy(from: values(tensor.dtype))
    }

    /// Fills with samples of `N(mean, std²)`.
    @discardableResult
    public static func normal(_ tensor: Tensor, mean: Double = 0, std: Double = 1, generator: Generator? = nil) -> Tensor {
        fill(tensor, "normal") { Tensor.normal(tensor.shape, mean: mean, std: std, dtype: $0, generator: generator) }
        return tensor
    }

    /// Fills with samples of `U(low, high)`.
    @discardableResult
    public static func uniform(_ tensor: Tensor, low: Double = 0, high: Double = 1, generator: Generator? = nil) -> Tensor {
        fill(tensor, "uniform") { Tensor.uniform(tensor.shape, low: low, high: high, dtype: $0, generator: generator) }
        return tensor
    }

    /// Fills with `value`.
    @discardableResult
    public static func constant(_ tensor: Tensor, _ value: Double) -> Tensor {
        (tensor as? Parameter)?.requireInitialized("Init.constant")
        tensor.fill(value)
        return tensor
    }

    /// Fills with 0.
    @discardableResult
    public static func zeros(_ tensor: Tensor) -> Tensor { constant(tensor, 0) }

    /// Fills with 1.
    @discardableResult
    public static func ones(_ tensor: Tensor) -> Tensor { constant(tensor, 1) }

    /// Glorot/Xavier uniform: `U(±gain·√(6 / (fanIn + fanOut)))`.
    @discardableResult
    public static func xavierUniform(_ tensor: Tensor, gain: Double = 1, generator: Generator? = nil) -> Tensor {
        let (fanIn, fanOut) = fans(tensor.shape)
        let bound = gain * (6 / Double(fanIn + fanOut)).squareRoot()
        return uniform(tensor, low: -bound, high: bound, generator: generator)
    }

    /// Glorot/Xavier normal: `N(0, gain²·2 / (fanIn + fanOut))`.
    @discardableResult
    public static func xavierNormal(_ tensor: Tensor, gain: Double = 1, generator: Generator? = nil) -> Tensor {
        let (fanIn, fanOut) = fans(tensor.shape)
        return normal(tensor, mean: 0, std: gain * (2 / Double(fanIn + fanOut)).squareRoot(), generator: generator)
    }

    /// The standard deviation kaiming initialisers aim for: `gain / √fan`; nil for an empty
    /// tensor, which PyTorch leaves untouched.
    private static func kaimingStd(_ shape: [Int], a: Double, mode: FanMode, nonlinearity: Nonlinearity) -> Double? {
        if shape.contains(0) { return nil }
        let (fanIn, fanOut) = fans(shape)
        let gain = calculateGain(nonlinearity, param: a)
        return gain / Double(mode == .fanIn ? fanIn : fanOut).squareRoot()
    }

    /// He/Kaiming uniform: `U(±gain·√(3 / fan))`; `a` is the leaky ReLU's negative slope.
    /// PyTorch's `Linear` uses `a: √5`, which gives `U(±1/√fanIn)`.
    @discardableResult
    public static func kaimingUniform(
        _ tensor: Tensor, a: Double = 0, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyRelu,
        generator: Generator? = nil
    ) -> Tensor {
        guard let std = kaimingStd(tensor.shape, a: a, mode: mode, nonlinearity: nonlinearity) else { return tensor }
        let bound = 3.0.squareRoot() * std
        return uniform(tensor, low: -bound, high: bound, generator: generator)
    }

    /// He/Kaiming normal: `N(0, gain² / fan)`.
    @discardableResult
    public static func kaimingNormal(
        _ tensor: Tensor, a: Double = 0, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyRelu,
        generator: Generator? = nil
    ) -> Tensor {
        guard let std = kaimingStd(tensor.shape, a: a, mode: mode, nonlinearity: nonlinearity) else { return tensor }
        return normal(tensor, mean: 0, std: std, generator: generator)
    }

    /// Fills with the values `make` returns for the tensor's shape and dtype — a custom
    /// initialiser, applied without recording a graph.
    ///
    ///     Init.custom(w) { shape, dtype in Tensor.uniform(shape, low: -10, high: 10, dtype: dtype) }
    @discardableResult
    public static func custom(_ tensor: Tensor, _ make: ([Int], DType) -> Tensor) -> Tensor {
        (tensor as? Parameter)?.requireInitialized("Init.custom")
        let values = withNoGrad { make(tensor.shape, tensor.dtype) }
        if values.shape != tensor.shape {
            opError("Init.custom", "the initialiser returned shape \(values.shape) for a tensor of shape \(tensor.shape)")
        }
        tensor.copy(from: values)
        return tensor
    }
}
