/// Updates a fixed list of parameters from their gradients, as `torch.optim.Optimizer` does
/// for a single parameter group.
///
/// The training loop is PyTorch's:
///
///     let opt = SGD(net.parameters(), lr: 0.1)
///     for (x, y) in batches {
///         opt.zeroGrad()
///         let loss = crossEntropy(net(x), target: y)
///         loss.backward()
///         opt.step()
///     }
///
/// Updates run in place on the parameters' own buffers and record no graph. A parameter
/// whose `grad` is nil (unused by the last loss) is skipped, state and all.
public protocol Optimizer: AnyObject {
    /// The parameters being optimised, in the order given, each once.
    var parameters: [Tensor] { get }
    /// The learning rate; change it between steps to follow a schedule.
    var lr: Double { get set }
    /// Applies one update to every parameter that has a gradient.
    func step()
    /// Clears every parameter's gradient (PyTorch's `zero_grad()`, which sets them to `None`).
    func zeroGrad()
}

extension Optimizer {
    /// Sets every parameter's `grad` to nil.
    public func zeroGrad() {
        for p in parameters { p.grad = nil }
    }
}

/// The parameters an optimiser was given, checked and de-duplicated by identity (a tensor
/// listed twice would otherwise be stepped twice).
func optimizerParameters<S: Sequence>(_ params: S, op: String) -> [Tensor] where S.Element: Tensor {
    var seen = Set<ObjectIdentifier>()
    var out: [Tensor] = []
    for p in params where seen.insert(ObjectIdentifier(p)).inserted {
        if let lazy = p as? Parameter, !lazy.isInitialized {
            opError(op, "can't optimize an uninitialized parameter (a LazyLinear not yet called): run the model once on an input, or load a state dict, before making the optimizer")
        }
        if !p.isLeaf { opError(op, "can't optimize a non-leaf Tensor (shape \(p.shape), grad_fn \(p.gradFnName ?? "nil"))") }
        out.append(p)
    }
    if out.isEmpty { opError(op, "optimizer got an empty parameter list") }
    return out
}

/// Checks a hyper-parameter with PyTorch's wording (`Invalid learning rate: -0.1`).
func checkHyperparameter(_ ok: Bool, _ op: String, _ what: String, _ value: Double) {
    if !ok { opError(op, "Invalid \(what): \(value)") }
}

extension Tensor {
    /// This parameter's gradient as a tensor of its own shape and dtype, or nil when it has none.
    final func optimizerGrad(op: String) -> Tensor? {
        guard let g = grad else { return nil }
        if g.shape != shape {
            opError(op, "gradient of shape \(g.shape) does not match its parameter of shape \(shape)")
        }
        return g.dtype == dtype ? g : g.to(dtype)
    }

    /// Optimiser state that follows its parameter: zeros on first use, and converted when the
    /// parameter's dtype changed since (`module.to(.float64)` after the optimiser was made).
    final func matchingState(_ state: Tensor?) -> Tensor? {
        guard let state else { return nil }
        if state.shape != shape {
            opError("optimizer", "state of shape \(state.shape) no longer matches its parameter of shape \(shape)")
        }
        return state.dtype == dtype ? state : Tensor(storage: state.storage.copy(as: dtype), shape: shape)
    }
}
