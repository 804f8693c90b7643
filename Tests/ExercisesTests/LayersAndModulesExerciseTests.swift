import Testing
import Exercises

/// Exercise 5.1.1: MySequential with its blocks in a plain list.
@Suite("Exercise 5.1.1: blocks kept in a plain list")
struct ListSequentialTests {
    @Test("A stored [Module] array is found by reflection, under blocks.N names")
    func arrayIsFound() {
        let net = ArraySequential(Linear(4, 3), ReLU(), Linear(3, 2))
        #expect(net.namedParameters().map { $0.0 } == ["blocks.0.weight", "blocks.0.bias", "blocks.2.weight", "blocks.2.bias"])
        #expect(net.parameterCount == 4 * 3 + 3 + 3 * 2 + 2)
        // Paths through an array's elements (a name holding a dot) resolve, as get_parameter's do.
        #expect(net.parameter(named: "blocks.2.bias") === net.parameters()[3])
        #expect(net.submodule(named: "blocks.0") === net.blocks[0] && net.submodule(named: "blocks.2") === net.blocks[2])
        #expect(net.parameter(named: "blocks.1.weight") == nil && net.parameter(named: "blocks.0") == nil)
        // Not PyTorch's "0.weight": a state dict from nn.Sequential will not load without renaming.
        #expect(throws: (any Error).self) { try net.loadStateDict(Sequential(Linear(4, 3), ReLU(), Linear(3, 2)).stateDict()) }
    }

    @Test("A list of closures hides the blocks: no parameters, no state, no training — PyTorch's list mistake")
    func closureListIsInvisible() throws {
        let first = Linear(4, 2)
        let net = FunctionListSequential(first)
        let x = Tensor.randn([3, 4])
        #expect(net(x).floats() == first(x).floats())  // it still computes
        #expect(net.parameters().isEmpty && net.stateDict().isEmpty && net.children().isEmpty)
        (net(x) * net(x)).sum().backward()
        #expect(first.weight.grad != nil)  // the block did get a gradient…
        net.zeroGrad()
        #expect(first.weight.grad != nil)  // …which the container cannot even clear
    }

    @Test("An optimiser over the hidden list refuses to start, as torch.optim does")
    func optimiserSeesNothing() async {
        await #expect(processExitsWith: .failure) {
            _ = SGD(FunctionListSequential(Linear(4, 2)).parameters(), lr: 0.1)
        }
    }
}

/// Exercise 5.1.2: Parallel.
@Suite("Exercise 5.1.2: Parallel")
struct ParallelTests {
    @Test("Outputs are concatenated along the feature axis and both branches get gradients")
    func concatenatesAndBackpropagates() throws {
        let a = Linear(6, 4), b = Sequential(Linear(6, 3), ReLU())
        let net = Parallel(a, b)
        let x = Tensor.randn([2, 6])
        let y = net(x)
        #expect(y.shape == [2, 7])
        #expect(y.narrow(axis: 1, start: 0, length: 4).floats() == a(x).floats())
        #expect(y.narrow(axis: 1, start: 4, length: 3).floats() == b(x).floats())
        #expect(net.namedParameters().map { $0.0 } == ["net1.weight", "net1.bias", "net2.0.weight", "net2.0.bias"])
        y.sum().backward()
        #expect(a.weight.grad != nil && b[0, as: Linear.self].weight.grad != nil)

        let f64 = Parallel(Linear(3, 2), Sequential(Linear(3, 2), Tanh())).to(.float64)
        let report = try gradCheck([Tensor.randn([2, 3], dtype: .float64)] + f64.parameters()) { f64($0[0]) }
        #expect(report.passed, "\(report)")
    }

    @Test("Dropped into a Sequential and trained with SGD, the loss falls")
    func trains() {
        withSeed(13) {
            let net = Sequential(Parallel(Linear(6, 4), Sequential(Linear(6, 3), Tanh())), Linear(7, 1))
            let x = Tensor.randn([64, 6])
            let target = x.narrow(axis: 1, start: 0, length: 2).sum(axis: 1, keepDims: true)
            let losses = sgdLosses(net, x, target, lr: 0.05, steps: 50)
            #expect(losses.last! < 0.5 * losses.first!, "losses \(losses.first!) → \(losses.last!)")
        }
    }
}

/// Exercise 5.1.3: a factory of independent instances.
@Suite("Exercise 5.1.3: a factory of independent instances")
struct FactoryTests {
    @Test("Instances share no parameter and the stacked network trains each one")
    func independentInstances() {
        let blocks = makeInstances(3) { Linear(4, 4) }
        let ids = Set(blocks.flatMap { $0.parameters() }.map(ObjectIdentifier.init))
        #expect(ids.count == 6)
        blocks[0].weight.data.fill(0)
        #expect(blocks[1].weight.floats().contains { $0 != 0 })

        let net = stackInstances(4) { Sequential(Linear(8, 8), ReLU()) }
        #expect(net.count == 4 && net.parameters().count == 8)
        #expect(net.namedParameters().map { $0.0 }.first == "0.0.weight")
        net(Tensor.randn([2, 8])).sum().backward()
        #expect(net.parameters().allSatisfy { $0.grad != nil })
    }

    @Test("Reusing one instance n times is sharing, which the factory avoids")
    func sharingIsDetectable() {
        let one = Linear(4, 4)
        let shared = Sequential(one, one, one)
        #expect(shared.parameters().count == 2)  // counted once, as in PyTorch
        #expect(stackInstances(3) { Linear(4, 4) }.parameters().count == 6)
    }

    @Test("The stacked network dropped into a Sequential and trained with SGD, the loss falls")
    func trains() {
        withSeed(14) {
            let net = Sequential(stackInstances(3) { Sequential(Linear(6, 6), Tanh()) }, Linear(6, 1))
            let x = Tensor.randn([64, 6])
            let target = x.narrow(axis: 1, start: 0, length: 2).sum(axis: 1, keepDims: true)
            let losses = sgdLosses(net, x, target, lr: 0.05, steps: 80)
            #expect(losses.last! < 0.5 * losses.first!, "losses \(losses.first!) → \(losses.last!)")
        }
    }
}
