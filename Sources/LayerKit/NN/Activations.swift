import RealModule

// Activation layers, `activation(_:)` by name, and the erf and GELU ops they need (forward
// and backward together, as the ops in Ops/ are written).

struct ErfKernel: UnaryKernel { func callAsFunction<T: KernelScalar>(_ x: T) -> T { .erf(x) } }

/// `d/dx erf(x) = 2/√π · e^(−x²)`.
struct ErfGradKernel: UnaryKernel {
    func callAsFunction<T: KernelScalar>(_ x: T) -> T { T(2 / Double.pi.squareRoot()) * T.exp(-x * x) }
}

extension Tensor {
    /// The error function, element-wise (`torch.erf`).
    public final func erf() -> Tensor {
        let out = map(ErfKernel())
        if Tensor.needsGrad(self) {
            out.record("ErfBackward0", self) { [self] g in [g * map(ErfGradKernel())] }
        }
        return out
    }

    /// The Gaussian error linear unit `x·Φ(x)` (PyTorch's `F.gelu`): exact (erf) by default,
    /// or the tanh approximation `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
    ///
    ///     let y = x.gelu()
    public final func gelu(approximate: GELU.Approximation = .none) -> Tensor {
        switch approximate {
        case .none:
            guard dtype.isFloatingPoint else { return to(.float32).gelu() }
            let out = Tensor(storage: Storage(dtype: dtype, count: count), shape: shape)
            geluKernel(storage, into: out.storage)
            if Tensor.needsGrad(self) {
                let x = detach(), y = out.detach()
                out.record("GeluBackward0", self) { g in
                    let g = g.dtype == x.dtype ? g : g.to(x.dtype)
                    let d = Tensor(storage: Storage(dtype: x.dtype, count: x.count), shape: x.shape)
                    geluBackwardKernel(g.storage, x.storage, output: y.storage, into: d.storage)
                    return [d]
                }
            }
            return out
        case .tanh:
            let inner = (self + 0.044715 * self * self * self) * (2 / Double.pi).squareRoot()
            return 0.5 * self * (1 + inner.tanh())
        }
    }
}

/// `max(x, 0)` as a layer (PyTorch's `nn.ReLU`).
public final class ReLU: Module {
    /// A ReLU layer.
    public override init() { super.init() }
    /// `max(x, 0)`.
    public override func forward(_ x: Tensor) -> Tensor { x.relu() }
}

/// `1 / (1 + e⁻ˣ)` as a layer (PyTorch's `nn.Sigmoid`).
public final class Sigmoid: Module {
    /// A sigmoid layer.
    public override init() { super.init() }
    /// `1 / (1 + e⁻ˣ)`.
    public override func forward(_ x: Tensor) -> Tensor { x.sigmoid() }
}

/// `tanh(x)` as a layer (PyTorch's `nn.Tanh`).
public final class Tanh: Module {
    /// A tanh layer.
    public override init() { super.init() }
    /// `tanh(x)`.
    public override func forward(_ x: Tensor) -> Tensor { x.tanh() }
}

/// The Gaussian error linear unit as a layer (PyTorch's `nn.GELU`), exact by default.
public final class GELU: Module {
    /// Which GELU formula: the exact erf form or PyTorch's tanh approximation.
    public enum Approximation: String, Sendable {
        /// `x·Φ(x)` with the erf.
        case none
        /// `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
        case tanh
    }

    /// The formula used.
    public let approximate: Approximation

    /// A GELU layer.
    public init(approximate: Approximation = .none) {
        self.approximate = approximate
        super.init()
    }

    /// No parameters or children among the stored properties: skip reflection.
    override func knownStoredMembers() -> Members? { Members() }

    /// `x·Φ(x)`.
    public override func forward(_ x: Tensor) -> Tensor { x.gelu(approximate: approximate) }

    /// `approximate='none'`.
    public override var extraDescription: String { "approximate='\(approximate.rawValue)'" }
}

/// `softmax` along one axis as a layer (PyTorch's `nn.Softmax(dim:)`).
public final class Softmax: Module {
    /// The axis that sums to 1.
    public let axis: Int

    /// A softmax layer over `axis` (negative counts from the end).
    public init(axis: Int) {
        self.axis = axis
        super.init()
    }

    /// No parameters or children among the stored properties: skip reflection.
    override func knownStoredMembers() -> Members? { Members() }

    /// `exp(x) / Σ exp(x)` along ``axis``.
    public override func forward(_ x: Tensor) -> Tensor { x.softmax(axis: axis) }

    /// `dim=1`, as PyTorch prints it.
    public override var extraDescription: String { "dim=\(axis)" }
}

/// Passes its input through unchanged (PyTorch's `nn.Identity`).
public final class Identity: Module {
    /// An identity layer.
    public override init() { super.init() }
    /// `x`.
    public override func forward(_ x: Tensor) -> Tensor { x }
}

/// An unknown name given to ``activation(_:)``.
public struct UnknownActivationError: Error, CustomStringConvertible, Equatable {
    /// The name asked for.
    public var name: String
    /// The names ``activation(_:)`` knows.
    public var known: [String]

    /// `unknown activation "swish"; known names: gelu, identity, …`.
    public var description: String {
        "unknown activation \"\(name)\"; known names: \(known.joined(separator: ", "))"
    }
}

/// The names ``activation(_:)`` accepts, and what each makes.
private let activationMakers: [(String, @Sendable () -> Module)] = [
    ("gelu", { GELU() }),
    ("gelu_tanh", { GELU(approximate: .tanh) }),
    ("identity", { Identity() }),
    ("linear", { Identity() }),
    ("relu", { ReLU() }),
    ("sigmoid", { Sigmoid() }),
    ("softmax", { Softmax(axis: -1) }),
    ("tanh", { Tanh() }),
]

/// An activation layer by name (Keras's `activation="relu"`), case-insensitive: `relu`,
/// `sigmoid`, `tanh`, `gelu`, `gelu_tanh`, `softmax` (last axis), `identity`/`linear`.
///
///     let act = try activation("relu")     // ReLU()
///
/// - Throws: ``UnknownActivationError`` listing the known names.
public func activation(_ name: String) throws -> Module {
    let key = name.lowercased()
    guard let make = activationMakers.first(where: { $0.0 == key })?.1 else {
        throw UnknownActivationError(name: name, known: activationMakers.map(\.0))
    }
    return make()
}
