/// A dense layer in Keras terms: `units` outputs, the weight created in ``build(inputShape:)``
/// at the first call (Keras `build` + `add_weight`), a named initialiser and an activation
/// chosen by name.
///
///     let layer = try Dense(units: 10, activation: "relu", initializer: "he_normal")
///     layer(Tensor.randn([5, 8])).shape      // [5, 10]; the kernel is now [8, 10]
open class Dense: Module {
    /// The initialisers ``Dense`` accepts by name (Keras spellings).
    public static let initializerNames = ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "zeros", "ones", "random_normal"]

    /// The number of outputs.
    public let units: Int
    /// `[inputFeatures, units]` (Keras layout), uninitialised until the first call.
    public let kernel: Parameter
    /// `[units]`, zeros, made with the kernel.
    public let bias: Parameter?
    /// The activation applied to `x·kernel + bias` (``Identity`` for none).
    public let activation: Module
    /// The initialiser's name.
    public let initializer: String
    private let generator: Generator?

    /// A layer whose input size is learnt from the first input.
    ///
    /// - Throws: ``UnknownActivationError`` for an unknown activation name, ``DenseError`` for
    ///   an unknown initialiser name.
    public init(units: Int, activation: String? = nil, initializer: String = "glorot_uniform",
                useBias: Bool = true, generator: Generator? = nil) throws {
        guard Dense.initializerNames.contains(initializer) else {
            throw DenseError.unknownInitializer(initializer, known: Dense.initializerNames)
        }
        self.units = units
        self.activation = try LayerKit.activation(activation ?? "identity")
        self.initializer = initializer
        self.generator = generator
        kernel = Parameter.uninitialized()
        bias = useBias ? Parameter.uninitialized() : nil
        super.init()
    }

    /// Whether ``build(inputShape:)`` has run.
    public var isBuilt: Bool { kernel.isInitialized }

    /// Creates the weights for inputs of `inputShape` (only the last axis matters), Keras's
    /// `build`. Runs once, from the first call.
    open func build(inputShape: [Int]) {
        let inFeatures = inputShape.last ?? 1
        kernel.materialize([inFeatures, units])
        switch initializer {
        case "glorot_uniform": Init.xavierUniform(kernel, generator: generator)
        case "glorot_normal": Init.xavierNormal(kernel, generator: generator)
        case "he_uniform": Init.kaimingUniform(kernel, a: 0, mode: .fanIn, generator: generator)
        case "he_normal": Init.kaimingNormal(kernel, a: 0, mode: .fanIn, generator: generator)
        case "ones": Init.ones(kernel)
        case "random_normal": Init.normal(kernel, mean: 0, std: 0.05, generator: generator)
        default: Init.zeros(kernel)
        }
        bias?.materialize([units])
    }

    open override var extraDescription: String {
        "units=\(units), initializer=\(initializer), built=\(isBuilt ? "True" : "False")"
    }

    open override func forward(_ x: Tensor) -> Tensor {
        if !isBuilt { build(inputShape: x.shape) }
        var y = x.matmul(kernel)
        if let bias { y = y + bias }
        return activation(y)
    }
}

/// A ``Dense`` configuration that cannot be built.
public enum DenseError: Error, CustomStringConvertible, Equatable {
    /// The initialiser name is not one of ``Dense/initializerNames``.
    case unknownInitializer(String, known: [String])

    public var description: String {
        switch self {
        case .unknownInitializer(let name, let known):
            return "unknown initializer '\(name)'; known initializers: \(known.joined(separator: ", "))"
        }
    }
}
