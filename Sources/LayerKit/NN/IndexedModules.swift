/// What `Sequential` and `ModuleList` share: children named by position (`"0"`, `"1"`, …),
/// indexed (negative counts from the end, as in Python), appended, inserted, removed and
/// iterated. Not used on its own.
open class IndexedModules: Module, Sequence {
    /// The modules in order, named by position.
    public init(_ modules: [Module]) {
        super.init()
        for m in modules { append(m) }
    }

    /// Modules under the given names, in order.
    public init(named modules: [(String, Module)]) {
        super.init()
        for (name, m) in modules { addModule(m, named: name) }
    }

    /// The modules in order.
    public final var layers: [Module] { registeredModules.map(\.value) }

    /// The number of modules (`len(net)`).
    public final var count: Int { registeredModules.count }

    /// True when there are no modules.
    public final var isEmpty: Bool { registeredModules.isEmpty }

    /// Adds `module` at the end, named by its position.
    @discardableResult
    public final func append(_ module: Module) -> Self {
        addModule(module, named: String(count))
        return self
    }

    /// Adds each of `modules` at the end.
    @discardableResult
    public final func extend(_ modules: [Module]) -> Self {
        for m in modules { append(m) }
        return self
    }

    /// Inserts `module` before position `index`, renumbering the ones after it.
    public final func insert(_ module: Module, at index: Int) {
        var list = layers
        let i = index < 0 ? index + count : index
        if i < 0 || i > count { opError("\(typeName).insert", "index \(index) is out of range for \(count) modules") }
        list.insert(module, at: i)
        setRegisteredModules(list.enumerated().map { (String($0.offset), $0.element) })
    }

    /// Removes and returns the module at `index`, renumbering the ones after it.
    @discardableResult
    public final func remove(at index: Int) -> Module {
        let i = position(index)
        var list = layers
        let removed = list.remove(at: i)
        setRegisteredModules(list.enumerated().map { (String($0.offset), $0.element) })
        return removed
    }

    final func position(_ index: Int) -> Int {
        let i = index < 0 ? index + count : index
        if i < 0 || i >= count {
            opError("\(typeName)[]", "index \(index) is out of range (\(typeName) has \(count) modules)")
        }
        return i
    }

    /// The module at `index` (negative counts from the end); setting replaces it.
    public final subscript(index: Int) -> Module {
        get { registeredModules[position(index)].value }
        set { addModule(newValue, named: registeredModules[position(index)].name) }
    }

    /// The module at `index` as a `M`, stopping with a message if it is another type.
    ///
    ///     net[2, as: Linear.self].weight
    public final subscript<M: Module>(index: Int, as type: M.Type) -> M {
        let m = self[index]
        guard let typed = m as? M else {
            opError("\(typeName)[]", "module \(index) is a \(m.typeName), not a \(String(describing: M.self))")
        }
        return typed
    }

    /// Iterates over the modules in order.
    public final func makeIterator() -> IndexingIterator<[Module]> { layers.makeIterator() }
}
