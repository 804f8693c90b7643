/// Child modules by name, in insertion order (PyTorch's `nn.ModuleDict`); no `forward` of
/// its own.
///
///     let heads = ModuleDict(["lin": Linear(2, 2), "act": ReLU()])
///     let y = heads["act"]!(x)
open class ModuleDict: Module, Sequence {
    /// The modules under their names, in the given order.
    public init(_ modules: KeyValuePairs<String, Module> = [:]) {
        super.init()
        for (k, m) in modules { addModule(m, named: k) }
    }

    /// The modules under their names, in the given order.
    public init(_ modules: [(String, Module)]) {
        super.init()
        for (k, m) in modules { addModule(m, named: k) }
    }

    /// The names, in insertion order.
    public final var keys: [String] { registeredModules.map(\.name) }

    /// The modules, in insertion order.
    public final var values: [Module] { registeredModules.map(\.value) }

    /// The number of entries.
    public final var count: Int { registeredModules.count }

    /// True when there are no entries.
    public final var isEmpty: Bool { registeredModules.isEmpty }

    /// Whether `key` names a module.
    public final func contains(_ key: String) -> Bool { registeredModules.contains { $0.name == key } }

    /// The module named `key`, or nil. Setting replaces it in place (keeping its position) or
    /// adds it at the end; setting nil removes it.
    public final subscript(key: String) -> Module? {
        get { registeredModules.first(where: { $0.name == key })?.value }
        set {
            if let newValue { addModule(newValue, named: key) } else { removeRegisteredModule(named: key) }
        }
    }

    /// The module named `key` as a `M`, or nil if absent or of another type.
    public final subscript<M: Module>(key: String, as type: M.Type) -> M? { self[key] as? M }

    /// Removes and returns the module named `key`.
    @discardableResult
    public final func removeValue(forKey key: String) -> Module? {
        let m = self[key]
        removeRegisteredModule(named: key)
        return m
    }

    /// Iterates over `(key, module)` pairs in insertion order.
    public final func makeIterator() -> IndexingIterator<[(key: String, value: Module)]> {
        registeredModules.map { (key: $0.name, value: $0.value) }.makeIterator()
    }
}
