import Dispatch
import Synchronization
import Testing
@testable import LayerKit

/// `withSeed`/`withGenerator`: draws that repeat whatever else runs at the same time.
@Suite("Random scopes")
struct RandomScopeTests {
    /// Everything a scope governs, drawn without naming a generator: creation, initialisers,
    /// a layer's default initialisation and Dropout's mask.
    static func drawEverything() -> [Double] {
        let a = Tensor.randn([37], dtype: .float64).doubles()
        let b = Tensor.rand([5], dtype: .float64).doubles()
        let c = Tensor.uniform([3], low: -2, high: 2, dtype: .float64).doubles()
        let d = Init.kaimingNormal(Tensor.zeros([4, 3], dtype: .float64)).doubles()
        let e = Linear(3, 2).weight.doubles()
        let f = Dropout(p: 0.5)(Tensor.ones([16], dtype: .float64)).doubles()
        return a + b + c + d + e + f
    }

    @Test("Many tasks, each in its own scope, draw exactly what each draws alone")
    func concurrentScopes() async {
        let seeds: [UInt64] = Array(0..<48)
        let alone = seeds.map { seed in withSeed(seed) { Self.drawEverything() } }
        // Every scope draws differently from its neighbours, so a mix-up could not go unseen.
        #expect(Set(alone.map { $0.description }).count == seeds.count)
        let together = await withTaskGroup(of: (Int, [Double]).self) { group in
            for (i, seed) in seeds.enumerated() {
                group.addTask {
                    // Interleave with unscoped draws from the global stream, as other code would.
                    _ = Tensor.randn([10])
                    let drawn = await withSeed(seed) { () async -> [Double] in
                        let first = Self.drawEverything()
                        await Task.yield()  // let other tasks run mid-scope
                        return first
                    }
                    _ = Tensor.randn([10])
                    return (i, drawn)
                }
            }
            var out = [[Double]](repeating: [], count: seeds.count)
            for await (i, drawn) in group { out[i] = drawn }
            return out
        }
        #expect(together == alone)
    }

    @Test("Threads drawing from scopes at the same time repeat too")
    func threadScopes() {
        let alone = (0..<8).map { seed in withSeed(UInt64(seed)) { Self.drawEverything() } }
        let results = Mutex([[Double]](repeating: [], count: 8))
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let drawn = withSeed(UInt64(i)) { Self.drawEverything() }
            results.withLock { $0[i] = drawn }
        }
        #expect(results.withLock { $0 } == alone)
    }

    @Test("Scopes nest, child tasks inherit them, and an explicit generator wins over the scope")
    func nestingAndInheritance() async {
        let g = Generator(seed: 5)
        let expectedOuter = Tensor.randn([4], generator: g).floats() + Tensor.randn([4], generator: g).floats()
        let inner = Tensor.randn([4], generator: Generator(seed: 6)).floats()
        let explicit = Tensor.randn([4], generator: Generator(seed: 7)).floats()
        let (outer, nested, named) = withSeed(5) {
            let first = Tensor.randn([4]).floats()
            let nested = withSeed(6) { Tensor.randn([4]).floats() }
            let named = Tensor.randn([4], generator: Generator(seed: 7)).floats()
            return (first + Tensor.randn([4]).floats(), nested, named)
        }
        #expect(outer == expectedOuter)  // the inner scope did not advance the outer stream
        #expect(nested == inner && named == explicit)
        let inherited = await withSeed(9) { () async -> [Float] in
            async let child = Tensor.randn([6]).floats()
            return await child
        }
        #expect(inherited == Tensor.randn([6], generator: Generator(seed: 9)).floats())
    }

    @Test("A generator shared between threads hands out each draw exactly once")
    func sharedGeneratorNeverTears() {
        let shared = Generator(seed: 3)
        let results = Mutex([[UInt64]](repeating: [], count: 8))
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let drawn = (0..<2000).map { _ in shared.next() }
            results.withLock { $0[i] = drawn }
        }
        let reference = Generator(seed: 3)
        let expected = Set((0..<16_000).map { _ in reference.next() })
        let drawn = results.withLock { $0 }.flatMap { $0 }
        #expect(drawn.count == 16_000 && Set(drawn) == expected)
    }
}
