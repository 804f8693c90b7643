/// A tensor that is a trainable parameter of a ``Module`` (PyTorch's `nn.Parameter`).
///
/// A `Parameter` *is* a ``Tensor`` — a leaf that requires grad — so it goes straight into ops
/// (`x.matmul(weight)`). Storing one in a stored property of a module registers it: the module
/// finds it by reflection, lists it in ``Module/parameters(recurse:)`` and ``Module/stateDict()``, and
/// an optimiser updates it in place. The same object used in two places is one parameter; its
/// gradient accumulates from both uses.
///
///     final class MyLinear: Module {
///         var weight: Parameter
///         var bias: Parameter
///         init(inUnits: Int, units: Int) {
///             weight = Parameter(Tensor.randn([inUnits, units]))
///             bias = Parameter(Tensor.randn([units]))
///             super.init()
///         }
///         override func forward(_ x: Tensor) -> Tensor { (x.matmul(weight) + bias).relu() }
///     }
///
/// **Uninitialised parameters.** ``Parameter/uninitialized(dtype:requiresGrad:)`` makes a placeholder
/// with no shape yet (PyTorch's `UninitializedParameter`), used by ``LazyLinear`` until its
/// first call. It holds no values (shape `[0]`): ``Module/parameterCount``,
/// ``Module/stateDict()``, the initialisers in ``Init`` and ``Parameter/data`` stop with a
/// message saying to materialise it first, by calling the module once or by loading a state
/// dict; optimisers should check ``isInitialized``.
public final class Parameter: Tensor, TextOutputStreamable {
    /// False for a placeholder made by ``uninitialized(dtype:requiresGrad:)`` until ``materialize(_:dtype:)``.
    public private(set) var isInitialized = true

    /// For an uninitialised parameter, the shape it will take, `-1` on the axes that are only
    /// known at the first call (`[out, -1]` for a lazy weight); nil when any shape goes.
    var expectedShape: [Int]?

    /// A parameter holding `tensor`'s values. The buffer is shared, not copied, as in PyTorch:
    /// `Parameter(t)` and `t` see each other's in-place changes. The parameter is always a
    /// leaf, even when `tensor` came out of an op.
    ///
    ///     let w = Parameter(Tensor.randn([5, 3]))
    public init(_ tensor: Tensor, requiresGrad: Bool = true) {
        super.init(storage: tensor.storage, shape: tensor.shape)
        self.requiresGrad = requiresGrad  // stops for an integer tensor, as PyTorch does
    }

    /// Overriding Tensor's designated initialiser makes Parameter inherit all of Tensor's
    /// convenience and literal initialisers, whatever they become.
    override init(storage: Storage, shape: [Int]) {
        super.init(storage: storage, shape: shape)
        requiresGrad = true
    }

    // Tensor's value initialisers default to `requiresGrad: false`; a parameter's default
    // is true, so the common ones are redeclared with that default.

    /// A parameter from `Double` values, of the given shape (default: 1-D).
    ///
    ///     let b = Parameter([0.1, 0.2, 0.3])
    public convenience init(_ values: [Double], shape: [Int]? = nil, dtype: DType = .float32, requiresGrad: Bool = true) {
        self.init(Tensor(values, shape: shape, dtype: dtype), requiresGrad: requiresGrad)
    }

    /// A parameter from `Float` values, of the given shape (default: 1-D).
    public convenience init<S: Sequence<Float>>(_ values: S, shape: [Int]? = nil, dtype: DType = .float32, requiresGrad: Bool = true) {
        self.init(Tensor(values, shape: shape, dtype: dtype), requiresGrad: requiresGrad)
    }

    /// A 0-d parameter holding one value.
    public convenience init(scalar value: Double, dtype: DType = .float32, requiresGrad: Bool = true) {
        self.init(Tensor(scalar: value, dtype: dtype), requiresGrad: requiresGrad)
    }

    /// A placeholder whose shape is decided later (PyTorch's `UninitializedParameter`).
    ///
    ///     let w = Parameter.uninitialized()
    ///     w.materialize([20, 8])
    public static func uninitialized(dtype: DType = .float32, requiresGrad: Bool = true) -> Parameter {
        let p = Parameter(Tensor.zeros([0], dtype: dtype), requiresGrad: requiresGrad)
        p.isInitialized = false
        return p
    }

    /// Gives an uninitialised parameter its shape, filled with zeros (an initialiser fills it
    /// next), keeping this object so that every reference to it sees the values.
    public func materialize(_ shape: [Int], dtype: DType? = nil) {
        if isInitialized {
            opError("materialize", "the parameter is already initialized (shape \(self.shape))")
        }
        setData(Tensor.zeros(shape, dtype: dtype ?? self.dtype))
        isInitialized = true
        expectedShape = nil
    }

    /// The values as a tensor cut from the graph, sharing this parameter's buffer (PyTorch's
    /// `param.data`): in-place changes to it change the parameter, and nothing is recorded.
    /// Setting it replaces the values (and possibly the shape), keeping this object.
    ///
    ///     net[0, as: Linear.self].weight.data.fill(1)
    public var data: Tensor {
        get {
            requireInitialized("data")
            return detach()
        }
        set {
            setData(newValue)
            isInitialized = true
            expectedShape = nil
        }
    }

    /// Stops with a message naming `op` when this parameter has no values yet.
    func requireInitialized(_ op: String, name: String? = nil) {
        if !isInitialized {
            let which = name.map { " '\($0)'" } ?? ""
            opError(op, "Can't access the values of the uninitialized parameter\(which). Materialise it by calling the module once with an input (or by loading a state dict) before using it.")
        }
    }

    /// Writes `Parameter containing:` and the tensor, as PyTorch prints a parameter;
    /// `<UninitializedParameter>` for a placeholder.
    ///
    /// Printing goes through `TextOutputStreamable`, which `print`, `String(describing:)` and
    /// string interpolation consult before `CustomStringConvertible`, so a parameter prints
    /// this way although ``Tensor``'s own description is not overridable.
    public func write<Target: TextOutputStream>(to target: inout Target) {
        target.write(parameterDescription)
    }

    /// `Parameter containing:\n` followed by the tensor as it prints.
    public var parameterDescription: String {
        guard isInitialized else { return "<UninitializedParameter>" }
        // A plain Tensor view of the same buffer prints as the tensor (with requires_grad).
        let view = Tensor(storage: storage, shape: shape)
        view.leafRequiresGrad = leafRequiresGrad
        return "Parameter containing:\n" + String(describing: view)
    }
}
