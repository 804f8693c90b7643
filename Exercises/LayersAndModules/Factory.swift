/// Exercise 5.1.3: `n` independent instances of a module, each built by `make` — so no two
/// share a parameter (calling `make` again, not copying a reference).
///
///     let blocks = makeInstances(3) { Linear(8, 8) }
public func makeInstances<M: Module>(_ n: Int, _ make: () -> M) -> [M] {
    (0..<n).map { _ in make() }
}

/// A larger network from `n` independent instances in sequence (children "0", "1", …).
///
///     let deep = stackInstances(4) { Sequential(Linear(16, 16), ReLU()) }
public func stackInstances<M: Module>(_ n: Int, _ make: () -> M) -> Sequential {
    Sequential(makeInstances(n, make))
}
