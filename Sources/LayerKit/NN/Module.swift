import Synchronization

/// The base class of every layer and model (PyTorch's `nn.Module`).
///
/// Subclass it, declare parameters and child modules as ordinary stored properties, and
/// override ``forward(_:)``:
///
///     final class MLP: Module {
///         let hidden = Linear(inFeatures: 20, outFeatures: 256)
///         let out = Linear(inFeatures: 256, outFeatures: 10)
///         override func forward(_ x: Tensor) -> Tensor { out(hidden(x).relu()) }
///     }
///     let net = MLP()
///     let y = net(Tensor.rand([2, 20]))
///     net.namedParameters().map(\.0)   // ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
///
/// **What is found, and how.** Members are discovered by reflection (`Mirror`) every time
/// they are asked for, so a property reassigned after `init` (`net.hidden = Linear(…)`) is
/// seen at once. Stored properties are read from the root class down to the dynamic type,
/// each class's in declaration order — PyTorch's registration order for the usual
/// `super().__init__()`-first constructor. Recognised property types:
///
/// - ``Parameter`` (a parameter) and ``Module`` (a child), or optionals of them (nil: absent);
/// - arrays `[Parameter]` / `[Module]`: elements named `name.0`, `name.1`, …;
/// - dictionaries `[String: Parameter]` / `[String: Module]`: named `name.key`, keys sorted
///   (Swift dictionaries have no order; use ``ModuleDict`` to keep insertion order).
///
/// Property names are used verbatim (`_hidden` stays `_hidden`, as PyTorch keeps `self._hidden`);
/// only the compiler's storage prefix of a `lazy var` is removed. A plain ``Tensor`` property
/// is a constant: not trained, not in ``parameters(recurse:)``, not in the state dict (the book's
/// `FixedHiddenMLP.rand_weight`). For state that is not trained but belongs in the state dict,
/// use ``registerBuffer(_:named:persistent:)``.
///
/// Every `Module`-typed stored property is a child, so do not keep a reference back to a
/// parent in one (printing and ``apply(_:)`` would loop); PyTorch has the same rule.
///
/// Members registered explicitly (``registerParameter(_:named:)``, ``addModule(_:named:)``,
/// ``registerBuffer(_:named:persistent:)``) come after the reflected ones, in registration
/// order.
///
/// Cost: `Mirror` takes several microseconds per class level, so it runs only for classes
/// that declare stored properties (decided once per class), and the built-in layers list
/// their own parameters directly. Measured in a release build: `parameters()` of the book's
/// `rgnet` (22 modules) takes about 20 µs, of a user-written two-layer MLP about 10 µs.
open class Module: CustomStringConvertible {
    /// Parameters, children and buffers registered by name, in registration order.
    private(set) var registeredParameters: [(name: String, value: Parameter)] = []
    private(set) var registeredModules: [(name: String, value: Module)] = []
    private(set) var registeredBuffers: [(name: String, value: Tensor, persistent: Bool)] = []

    /// True in training mode (the default), false after ``eval()``: layers such as
    /// ``Dropout`` behave differently (PyTorch's `training`).
    public private(set) var isTraining = true

    /// A module with no members yet; subclasses call `super.init()` after setting their
    /// stored properties.
    public init() {}

    /// The computation of this module. Every subclass overrides it; the base stops with
    /// PyTorch's message.
    open func forward(_ x: Tensor) -> Tensor {
        opError("forward", "Module [\(typeName)] is missing the required \"forward\" function")
    }

    /// Runs ``forward(_:)``: `net(x)`.
    public func callAsFunction(_ x: Tensor) -> Tensor { forward(x) }

    /// The name printed for this module: the class name (PyTorch's `_get_name()`).
    open var typeName: String { Module.cleanTypeName(String(describing: type(of: self))) }

    /// Extra information shown inside the parentheses when the module prints (PyTorch's
    /// `extra_repr`), e.g. `in_features=20, out_features=256, bias=True`. Empty by default.
    open var extraDescription: String { "" }

    /// The module tree as PyTorch prints it:
    ///
    ///     Sequential(
    ///       (0): Linear(in_features=20, out_features=256, bias=True)
    ///       (1): ReLU()
    ///     )
    open var description: String { treeDescription() }

    // MARK: Explicit registration

    /// Adds `module` as a child named `name` (PyTorch's `add_module`), for children that are
    /// not stored properties — the book's `MySequential` adds `str(idx)`. Registering the same
    /// name again replaces the child in place.
    ///
    ///     addModule(block, named: String(index))
    public func addModule(_ module: Module, named name: String) {
        checkName(name, kind: "module")
        checkFree(name, kind: "module")
        if let i = registeredModules.firstIndex(where: { $0.name == name }) {
            registeredModules[i].value = module
        } else {
            registeredModules.append((name, module))
        }
    }

    /// Adds `parameter` under `name` (PyTorch's `register_parameter`), for parameters that are
    /// not stored properties. Registering the same name again replaces it.
    public func registerParameter(_ parameter: Parameter, named name: String) {
        checkName(name, kind: "parameter")
        checkFree(name, kind: "parameter")
        if let i = registeredParameters.firstIndex(where: { $0.name == name }) {
            registeredParameters[i].value = parameter
        } else {
            registeredParameters.append((name, parameter))
        }
    }

    /// Adds a buffer: a tensor that is part of the module's state (saved in the state dict,
    /// converted by ``to(_:)``) but not trained (PyTorch's `register_buffer`). A
    /// non-persistent buffer is left out of the state dict. Registering the same name again
    /// replaces it.
    ///
    ///     registerBuffer(Tensor.zeros([features]), named: "running_mean")
    public func registerBuffer(_ tensor: Tensor, named name: String, persistent: Bool = true) {
        checkName(name, kind: "buffer")
        checkFree(name, kind: "buffer")
        if let i = registeredBuffers.firstIndex(where: { $0.name == name }) {
            registeredBuffers[i] = (name, tensor, persistent)
        } else {
            registeredBuffers.append((name, tensor, persistent))
        }
    }

    /// The buffer registered under `name`, or nil.
    public func buffer(_ name: String) -> Tensor? {
        registeredBuffers.first(where: { $0.name == name })?.value
    }

    /// Removes the child registered under `name` with ``addModule(_:named:)`` (for containers).
    func removeRegisteredModule(named name: String) {
        registeredModules.removeAll { $0.name == name }
    }

    /// Replaces the whole list of registered children (containers renumber on insert/remove).
    func setRegisteredModules(_ modules: [(name: String, value: Module)]) {
        registeredModules = modules
    }

    private func checkName(_ name: String, kind: String) {
        if name.isEmpty { opError("register", "\(kind) name can't be empty string \"\"") }
        if name.contains(".") { opError("register", "\(kind) name can't contain \".\", got: \(name)") }
    }

    /// A name already taken by a member of another kind (or by a reflected property) is a
    /// mistake, as PyTorch's `attribute 'x' already exists`.
    private func checkFree(_ name: String, kind: String) {
        let reflected = storedMembers()
        let taken = reflected.parameters.contains { $0.name == name } || reflected.modules.contains { $0.name == name }
            || (kind != "parameter" && registeredParameters.contains { $0.name == name })
            || (kind != "module" && registeredModules.contains { $0.name == name })
            || (kind != "buffer" && registeredBuffers.contains { $0.name == name })
        if taken { opError("register", "attribute '\(name)' already exists") }
    }

    // MARK: Own members (this module only)

    /// One module's own parameters and children, in order.
    struct Members {
        var parameters: [(name: String, value: Parameter)] = []
        var modules: [(name: String, value: Module)] = []
    }

    /// This module's own parameters and children: reflected stored properties first, then
    /// the registered ones.
    final func ownMembers() -> Members {
        var members = storedMembers()
        members.parameters += registeredParameters
        members.modules += registeredModules
        return members
    }

    /// Members held in stored properties, for classes of this module that know them without
    /// reflection (``Linear``); nil means reflect. A subclass that adds stored properties
    /// must return nil.
    func knownStoredMembers() -> Members? { nil }

    /// Members held in stored properties: known ones, none for a class without stored
    /// properties of its own (decided once per type), else by reflection.
    final func storedMembers() -> Members {
        if let known = knownStoredMembers() { return known }
        guard Module.hasStoredProperties(type(of: self), sample: self) else { return Members() }
        return reflectedMembers()
    }

    /// Per class: whether it (or a superclass below Module) declares stored properties. A
    /// class's set of stored properties never changes, so Mirror — several microseconds per
    /// class level — runs only for classes that have some (see `ModuleTests.reflectionCost`).
    private static let storedPropertyCache = Mutex<[ObjectIdentifier: Bool]>([:])

    private static func hasStoredProperties(_ type: Module.Type, sample: Module) -> Bool {
        let key = ObjectIdentifier(type)
        if let known = storedPropertyCache.withLock({ $0[key] }) { return known }
        var any = false
        var mirror: Mirror? = Mirror(reflecting: sample)
        while let m = mirror, m.subjectType != Module.self, !any {
            any = !m.children.isEmpty
            mirror = m.superclassMirror
        }
        storedPropertyCache.withLock { $0[key] = any }
        return any
    }

    /// Parameters and modules held in stored properties of this module's classes, root
    /// class first (Module's own bookkeeping is skipped).
    final func reflectedMembers() -> Members {
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let m = mirror, m.subjectType != Module.self {
            mirrors.append(m)
            mirror = m.superclassMirror
        }
        var members = Members()
        for m in mirrors.reversed() {
            for child in m.children {
                guard var name = child.label else { continue }
                if name.hasPrefix(Module.lazyPrefix) { name.removeFirst(Module.lazyPrefix.count) }
                Module.classify(child.value, name: name, into: &members)
            }
        }
        return members
    }

    private static let lazyPrefix = "$__lazy_storage_$_"

    /// Sorts one property value into parameters or modules (nothing for any other type).
    private static func classify(_ value: Any, name: String, into members: inout Members) {
        if let p = value as? Parameter {
            members.parameters.append((name, p))
        } else if let m = value as? Module {
            members.modules.append((name, m))
        } else if value is Tensor {
            return  // a constant
        } else if let list = value as? [Module] {
            for (i, m) in list.enumerated() { members.modules.append(("\(name).\(i)", m)) }
        } else if let list = value as? [Parameter] {
            for (i, p) in list.enumerated() { members.parameters.append(("\(name).\(i)", p)) }
        } else if let dict = value as? [String: Module] {
            for key in dict.keys.sorted() { members.modules.append(("\(name).\(key)", dict[key]!)) }
        } else if let dict = value as? [String: Parameter] {
            for key in dict.keys.sorted() { members.parameters.append(("\(name).\(key)", dict[key]!)) }
        }
    }

    /// `String(describing:)` spells a private type `(Name in _ABC…)`; keep only `Name`.
    static func cleanTypeName(_ raw: String) -> String {
        guard raw.hasPrefix("("), let range = raw.range(of: " in ") else { return raw }
        return String(raw[raw.index(after: raw.startIndex)..<range.lowerBound])
    }

    // MARK: Walking the tree

    /// The direct children with their names, each module once (PyTorch's `named_children`).
    public final func namedChildren() -> [(String, Module)] {
        var seen = Set<ObjectIdentifier>()
        return ownMembers().modules.filter { seen.insert(ObjectIdentifier($0.value)).inserted }.map { ($0.name, $0.value) }
    }

    /// The direct children (PyTorch's `children()`).
    ///
    ///     for block in children() { x = block(x) }
    public final func children() -> [Module] { namedChildren().map(\.1) }

    /// This module and every descendant, depth first, each once, with dotted names (`""` for
    /// this module, then `"0"`, `"0.net"`, …), as PyTorch's `named_modules`.
    public final func namedModules(prefix: String = "") -> [(String, Module)] {
        walk(prefix: prefix).map { ($0.prefix, $0.module) }
    }

    /// Every module once, depth first, with its own members (each module reflected once).
    final func walk(prefix: String = "") -> [(prefix: String, module: Module, members: Members)] {
        var result: [(prefix: String, module: Module, members: Members)] = []
        var seen = Set<ObjectIdentifier>()
        collect(prefix: prefix, into: &result, seen: &seen)
        return result
    }

    private func collect(prefix: String, into result: inout [(prefix: String, module: Module, members: Members)], seen: inout Set<ObjectIdentifier>) {
        guard seen.insert(ObjectIdentifier(self)).inserted else { return }
        let members = ownMembers()
        result.append((prefix, self, members))
        for (name, child) in members.modules {
            child.collect(prefix: Module.join(prefix, name), into: &result, seen: &seen)
        }
    }

    /// This module and every descendant, each once (PyTorch's `modules()`).
    public final func modules() -> [Module] { namedModules().map(\.1) }

    /// Every parameter with its dotted name (`0.weight`, `hidden.bias`, `net.0.bias`), each
    /// parameter once under the first name it is found by (PyTorch's `named_parameters`).
    ///
    /// - Parameters:
    ///   - prefix: put before every name (with a dot), as PyTorch's `prefix` argument.
    ///   - recurse: false lists only this module's own parameters.
    public final func namedParameters(prefix: String = "", recurse: Bool = true) -> [(String, Parameter)] {
        var result: [(String, Parameter)] = []
        var seen = Set<ObjectIdentifier>()
        let scope = recurse ? walk(prefix: prefix) : [(prefix, self, ownMembers())]
        for (modulePrefix, _, members) in scope {
            for (name, p) in members.parameters where seen.insert(ObjectIdentifier(p)).inserted {
                result.append((Module.join(modulePrefix, name), p))
            }
        }
        return result
    }

    /// Every parameter once, in ``namedParameters(prefix:recurse:)`` order: what an optimiser
    /// updates.
    public final func parameters(recurse: Bool = true) -> [Parameter] { namedParameters(recurse: recurse).map(\.1) }

    /// Every buffer with its dotted name, each once (PyTorch's `named_buffers`).
    public final func namedBuffers(prefix: String = "", recurse: Bool = true) -> [(String, Tensor)] {
        var result: [(String, Tensor)] = []
        var seen = Set<ObjectIdentifier>()
        let scope = recurse ? namedModules(prefix: prefix) : [(prefix, self)]
        for (modulePrefix, module) in scope {
            for b in module.registeredBuffers where seen.insert(ObjectIdentifier(b.value)).inserted {
                result.append((Module.join(modulePrefix, b.name), b.value))
            }
        }
        return result
    }

    /// Every buffer once.
    public final func buffers(recurse: Bool = true) -> [Tensor] { namedBuffers(recurse: recurse).map(\.1) }

    /// The descendant at a dotted path (`"0.net.2"`), or nil (PyTorch's `get_submodule`).
    /// The empty path is this module.
    public final func submodule(named path: String) -> Module? {
        var module: Module = self
        var rest = Substring(path)
        while !rest.isEmpty {
            guard let (name, next) = module.child(prefixing: rest) else { return nil }
            module = next
            rest = rest.dropFirst(name.count).drop { $0 == "." }
        }
        return module
    }

    /// The parameter at a dotted path (`"0.net.2.bias"`, `"blocks.0.weight"`), or nil
    /// (PyTorch's `get_parameter`).
    ///
    ///     let b = rgnet.parameter(named: "0.block 1.0.bias")
    public final func parameter(named path: String) -> Parameter? {
        var module: Module = self
        var rest = Substring(path)
        while true {
            let members = module.ownMembers()
            if let parameter = members.parameters.first(where: { $0.name[...] == rest })?.value { return parameter }
            guard let (name, next) = module.child(prefixing: rest) else { return nil }
            module = next
            rest = rest.dropFirst(name.count).drop { $0 == "." }
        }
    }

    /// The child whose name begins `path` (followed by a dot or the end), the longest such: a
    /// child's own name may hold dots (an array property's elements are `blocks.0`, `blocks.1`).
    private func child(prefixing path: Substring) -> (String, Module)? {
        ownMembers().modules.filter { path == $0.name[...] || path.hasPrefix($0.name + ".") }
            .max { $0.name.count < $1.name.count }.map { ($0.name, $0.value) }
    }

    static func join(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : prefix + "." + name }

    // MARK: Whole-tree operations

    /// Calls `fn` on every child tree first, then on this module (PyTorch's `apply`), e.g. to
    /// initialise every `Linear`:
    ///
    ///     net.apply { m in if let m = m as? Linear { Init.normal(m.weight, std: 0.01) } }
    @discardableResult
    public final func apply(_ fn: (Module) throws -> Void) rethrows -> Self {
        for child in children() { try child.apply(fn) }
        try fn(self)
        return self
    }

    /// Calls `fn` on every module of type `M` in the tree (children first), skipping the rest.
    ///
    ///     net.apply(to: Linear.self) { Init.xavierUniform($0.weight) }
    @discardableResult
    public final func apply<M: Module>(to type: M.Type, _ fn: (M) throws -> Void) rethrows -> Self {
        try apply { if let m = $0 as? M { try fn(m) } }
    }

    /// Clears every parameter's gradient (PyTorch's `zero_grad()`, which sets them to None).
    public final func zeroGrad() {
        for p in parameters() { p.grad = nil }
    }

    /// Sets training mode on this module and every descendant (PyTorch's `train(mode)`).
    @discardableResult
    public final func train(_ mode: Bool = true) -> Self {
        for (_, m) in namedModules() { m.isTraining = mode }
        return self
    }

    /// Evaluation mode: `train(false)`.
    @discardableResult
    public final func eval() -> Self { train(false) }

    /// Converts every floating-point parameter and buffer (and any gradient) to `dtype` in
    /// place, keeping the same `Parameter` objects, so references held elsewhere stay valid
    /// (PyTorch's `module.to(dtype)`). Integer and bool buffers (a `num_batches_tracked`
    /// count, position ids) keep their dtype, as in PyTorch. Used to gradient-check a whole
    /// layer in float64. `dtype` must be a float dtype.
    ///
    ///     let layer = Linear(inFeatures: 3, outFeatures: 2).to(.float64)
    @discardableResult
    public final func to(_ dtype: DType) -> Self {
        if !dtype.isFloatingPoint {
            opError("Module.to", "nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=\(dtype)")
        }
        withNoGrad {
            for p in parameters() where p.dtype != dtype && p.dtype.isFloatingPoint {
                p.setData(p.detach().to(dtype))
                if let g = p.grad { p.grad = g.to(dtype) }
            }
            for b in buffers() where b.dtype != dtype && b.dtype.isFloatingPoint {
                b.setData(b.detach().to(dtype))
            }
        }
        return self
    }

    /// `to(.float64)`.
    @discardableResult
    public final func double() -> Self { to(.float64) }

    /// `to(.float32)`.
    @discardableResult
    public final func float() -> Self { to(.float32) }

    /// The number of trainable values: the element counts of ``parameters(recurse:)`` summed, each
    /// shared parameter once. Stops if a parameter is still uninitialised (a lazy layer that
    /// has not seen an input).
    public final var parameterCount: Int {
        namedParameters().reduce(0) { total, entry in
            entry.1.requireInitialized("parameterCount", name: entry.0)
            return total + entry.1.count
        }
    }

    /// True when some parameter is an uninitialised placeholder (a lazy layer before its first
    /// call).
    public final var hasUninitializedParameters: Bool {
        parameters().contains { !$0.isInitialized }
    }
}

/// A module whose computation takes two inputs, `forward(x1, x2)`, and is called `layer(x1, x2)`
/// (PyTorch's `forward(self, input1, input2)`): conform, write ``forward(_:_:)``, and the call
/// comes from the protocol; no layer writes its own `callAsFunction`.
///
/// The second input is a ``Tensor`` by default (``Bilinear``); a layer may take something else,
/// such as the `Bool` of the blog's `ConditionalLayer`, by setting ``Second``. The one-input
/// ``Module/forward(_:)`` stays, so a two-input layer can still sit in a ``Sequential``
/// (which passes one tensor) when it has a sensible one-input meaning.
///
///     final class Gate: Module, BinaryModule {
///         func forward(_ x: Tensor, _ gate: Tensor) -> Tensor { x * gate.sigmoid() }
///     }
///     let y = Gate()(x, g)
public protocol BinaryModule: Module {
    /// The type of the second input (``Tensor`` unless the layer says otherwise).
    associatedtype Second = Tensor
    /// The computation on the two inputs.
    func forward(_ x1: Tensor, _ x2: Second) -> Tensor
}

extension BinaryModule {
    /// Runs ``forward(_:_:)``: `layer(x1, x2)`.
    ///
    ///     let y = Bilinear(in1Features: 4, in2Features: 5, outFeatures: 3)(x1, x2)
    public func callAsFunction(_ x1: Tensor, _ x2: Second) -> Tensor { forward(x1, x2) }
}
