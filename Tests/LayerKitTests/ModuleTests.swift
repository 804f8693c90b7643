import Foundation
import Testing
@testable import LayerKit

/// The D2L chapters' models ("Layers and Modules", "Parameter Management"), written as a
/// reader would, line for line. Nested in an enum so that their names cannot clash with
/// other test files; a nested type prints by its own name (`MLP`), as PyTorch's classes do.
enum NNBook {
    /// `self.hidden = nn.LazyLinear(256); self.out = nn.LazyLinear(10)`.
    final class MLP: Module {
        let hidden = LazyLinear(256)
        let out = LazyLinear(10)
        override func forward(_ x: Tensor) -> Tensor { out(hidden(x).relu()) }
    }

    /// `self._modules[str(idx)] = module` / `add_module(str(idx), module)`.
    final class MySequential: Module {
        init(_ modules: Module...) {
            super.init()
            for (idx, module) in modules.enumerated() { addModule(module, named: String(idx)) }
        }
        override func forward(_ x: Tensor) -> Tensor {
            var x = x
            for block in children() { x = block(x) }
            return x
        }
    }

    /// A constant weight (not a parameter) and one layer used twice.
    final class FixedHiddenMLP: Module {
        let randWeight = Tensor.rand([20, 20], generator: Generator(seed: 3))
        let linear = LazyLinear(20)
        override func forward(_ x: Tensor) -> Tensor {
            var x = linear(x)
            x = (x.matmul(randWeight) + 1).relu()
            x = linear(x)
            while x.abs().sum().item() > 1 { x /= 2 }
            return x.sum()
        }
    }

    final class NestMLP: Module {
        let net = Sequential(LazyLinear(64), ReLU(), LazyLinear(32), ReLU())
        let linear = LazyLinear(16)
        override func forward(_ x: Tensor) -> Tensor { linear(net(x)) }
    }

    static func block1() -> Sequential { Sequential(LazyLinear(8), ReLU(), LazyLinear(4), ReLU()) }

    static func block2() -> Sequential {
        let net = Sequential()
        for i in 0..<4 { net.addModule(block1(), named: "block \(i)") }
        return net
    }

    /// The book's `MyLinear`: parameters from `randn`, ReLU baked in.
    final class MyLinear: Module {
        var weight: Parameter
        var bias: Parameter
        init(inUnits: Int, units: Int, generator: Generator? = nil) {
            weight = Parameter(Tensor.randn([inUnits, units], generator: generator))
            bias = Parameter(Tensor.randn([units], generator: generator))
            super.init()
        }
        override func forward(_ x: Tensor) -> Tensor { (x.matmul(weight) + bias).relu() }
    }
}

/// Modules for the reflection rules.
enum Reflect {
    class Base: Module {
        let first = Linear(2, 3)
        var maybe: Linear? = nil
        let scale = Parameter(Tensor([1.0]))
    }

    final class Derived: Base {
        let blocks: [Module] = [ReLU(), Linear(3, 3)]
        let heads: [String: Linear] = ["z": Linear(3, 1), "a": Linear(3, 2)]
        let weights: [Parameter] = [Parameter(Tensor([1.0])), Parameter(Tensor([2.0]))]
        let _private = Linear(1, 1)
        let constant = Tensor.ones([3])
        let count = 7
        lazy var later = Tanh()
        var absentParameter: Parameter? = nil
    }

    final class WithRegistered: Module {
        let declared = Linear(2, 2)
        override init() {
            super.init()
            registerParameter(Parameter(Tensor.zeros([2])), named: "extra")
            addModule(ReLU(), named: "act")
            registerBuffer(Tensor.zeros([2]), named: "running")
            registerBuffer(Tensor.ones([1]), named: "scratch", persistent: false)
        }
    }

    final class Recorder: Module {
        let a = Identity()
        let b = Sequential(Identity(), Identity())
    }
}

@Suite("Module: reflection, names, printing and tree operations")
struct ModuleTests {
    let fixture: [String: Any]

    init() throws { fixture = try loadFixture("nn_modules") }

    /// A list of strings from the fixture (a marker list when absent, so comparisons fail).
    func strings(_ key: String) -> [String] { fixture[key] as? [String] ?? ["<missing \(key)>"] }
    /// A string from the fixture (a marker when absent, so comparisons fail).
    func string(_ key: String) -> String { fixture[key] as? String ?? "<missing \(key)>" }

    @Test("The book's MLP: lazy then materialised, printed and named as PyTorch")
    func mlp() throws {
        let net = NNBook.MLP()
        #expect(net.description == string("mlp_repr_lazy"))
        let y = net(Tensor.rand([2, 20]))
        #expect(y.shape == [2, 10])
        #expect(net.description == string("mlp_repr"))
        #expect(net.namedParameters().map(\.0) == strings("mlp_names"))
        #expect(net.parameterCount == 20 * 256 + 256 + 256 * 10 + 10)
    }

    @Test("MySequential registers with addModule and runs the children in order")
    func mySequential() {
        let net = NNBook.MySequential(Linear(20, 256), ReLU(), Linear(256, 10))
        #expect(net.namedParameters().map(\.0) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        let x = Tensor.rand([2, 20])
        let kids = net.children()
        let expected = kids[2](kids[1](kids[0](x)))
        #expect(net(x).allClose(expected))
        #expect(net.description.hasPrefix("MySequential(\n  (0): Linear(in_features=20, out_features=256, bias=True)\n  (1): ReLU()"))
    }

    @Test("FixedHiddenMLP: the constant weight is not a parameter, the shared layer counts once")
    func fixedHidden() throws {
        let net = NNBook.FixedHiddenMLP()
        let y = net(Tensor.rand([2, 20]))
        #expect(y.shape == [])
        #expect(Swift.abs(y.item()) <= 1)
        #expect(net.namedParameters().map(\.0) == strings("fixed_names"))
        #expect(net.description == string("fixed_repr"))
        #expect(!net.parameters().contains { $0 === net.randWeight })
        #expect(net.stateDict().map(\.0) == ["linear.weight", "linear.bias"])
        // The shared layer's weight receives gradient from both uses.
        y.backward()
        #expect(net.linear.weight.grad != nil)
        #expect(net.randWeight.grad == nil)
    }

    @Test("The chimera: nested modules' names, modules and children as PyTorch lists them")
    func chimera() throws {
        let chimera = Sequential(NNBook.NestMLP(), LazyLinear(20), NNBook.FixedHiddenMLP())
        _ = chimera(Tensor.rand([2, 20]))
        #expect(chimera.description == string("chimera_repr"))
        #expect(chimera.namedParameters().map(\.0) == strings("chimera_names"))
        #expect(chimera.namedModules().map(\.0) == strings("chimera_modules"))
        #expect(chimera.namedChildren().map(\.0) == strings("chimera_children"))
        #expect(chimera.modules().count == chimera.namedModules().count)
    }

    @Test("rgnet from block1/block2: PyTorch's names, shapes, state keys and printed tree")
    func rgnet() throws {
        let rgnet = Sequential(NNBook.block2(), LazyLinear(1))
        _ = rgnet(Tensor.rand([2, 4]))
        #expect(rgnet.description == string("rgnet_repr"))
        #expect(rgnet.namedParameters().map(\.0) == strings("rgnet_names"))
        let shapes = try #require(fixture["rgnet_shapes"] as? [[Int]])
        #expect(rgnet.namedParameters().map(\.1.shape) == shapes)
        #expect(rgnet.stateDict().map(\.0) == strings("rgnet_state_keys"))
        // rgnet[0][1][0].bias
        let bias = rgnet[0, as: Sequential.self][1, as: Sequential.self][0, as: Linear.self].bias
        #expect(bias != nil && bias === rgnet.parameter(named: "0.block 1.0.bias"))
        #expect(rgnet.submodule(named: "0.block 3.2") === rgnet[0, as: Sequential.self][3, as: Sequential.self][2])
        #expect(rgnet.parameter(named: "0.block 9.0.bias") == nil)
    }

    @Test("Parameter access: net[2].stateDict(), the bias, its grad, and how a parameter prints")
    func parameterAccess() throws {
        let net = Sequential(LazyLinear(8), ReLU(), LazyLinear(1))
        _ = net(Tensor.rand([2, 4]))
        #expect(net[2].stateDict().map(\.0) == strings("net2_state_keys"))
        let layer = net[2, as: Linear.self]
        let bias = try #require(layer.bias)
        #expect(bias.shape == [1] && bias.requiresGrad && bias.isLeaf)
        #expect(bias.grad == nil)
        #expect(net[-1] === layer)
        #expect(net.count == 3)
        #expect(net.map(\.typeName) == ["Linear", "ReLU", "Linear"])
        // net[2].bias.data is the value without the graph, sharing the buffer.
        bias.data.fill(0.25)
        #expect(bias.item() == 0.25)
        #expect(bias.data.requiresGrad == false)
    }

    @Test("A parameter prints as PyTorch's: Parameter containing: then the tensor")
    func parameterPrints() throws {
        let p = Parameter(Tensor([1, 2, 3, 4], shape: [2, 2]))
        let expected = string("parameter_repr")
        #expect("\(p)" == expected)
        #expect(String(describing: p) == expected)
        #expect(p.parameterDescription == expected)
        #expect(String(describing: Parameter.uninitialized()) == string("uninitialized_repr"))
    }

    @Test("Parameter(t) shares t's buffer, is a leaf and requires grad")
    func parameterSharesValues() {
        let t = Tensor([1, 2, 3])
        let p = Parameter(t)
        t.fill(5)
        #expect(p.floats() == [5, 5, 5])
        #expect(p.requiresGrad && p.isLeaf)
        let fromOp = Parameter(Tensor([1.0], requiresGrad: true) * 2)
        #expect(fromOp.isLeaf && fromOp.requiresGrad)
        #expect(!Parameter(t, requiresGrad: false).requiresGrad)
        #expect(Parameter([0.1, 0.2]).requiresGrad && Parameter(scalar: 1).requiresGrad)
        #expect(!Parameter([0.1, 0.2], requiresGrad: false).requiresGrad)
    }

    @Test("Shared layers: one object under two names, counted once, gradients add")
    func sharedLayers() throws {
        let shared = LazyLinear(8)
        let net = Sequential(LazyLinear(8), ReLU(), shared, ReLU(), shared, ReLU(), LazyLinear(1))
        let x = Tensor.rand([2, 4], generator: Generator(seed: 11))
        _ = net(x)
        #expect(net.namedParameters().map(\.0) == strings("shared_names"))
        #expect(net.stateDict().map(\.0) == strings("shared_state_keys"))
        #expect(net.parameterCount == (fixture["shared_count"] as? Int))
        #expect(net.namedModules().map(\.0) == strings("shared_modules"))
        // Changing one changes the other: they are the same object.
        #expect(net[2, as: Linear.self].weight === net[4, as: Linear.self].weight)
        net[2, as: Linear.self].weight.data.fill(0.1)
        #expect(net[4, as: Linear.self].weight.floats().allSatisfy { $0 == 0.1 })

        // Gradients add: the shared weight's grad equals the sum of two separate copies' grads.
        net.zeroGrad()
        net(x).sum().backward()
        let sharedGrad = try #require(shared.weight.grad)
        let copyA = Parameter(shared.weight.detach().clone()), copyB = Parameter(shared.weight.detach().clone())
        let biasA = Parameter(shared.bias!.detach().clone())
        func head(_ h: Tensor) -> Tensor { Tensor.linear(h, weight: net[6, as: Linear.self].weight, bias: net[6, as: Linear.self].bias) }
        var h = net[0](x).relu()
        h = Tensor.linear(h, weight: copyA, bias: biasA).relu()
        h = Tensor.linear(h, weight: copyB, bias: biasA).relu()
        head(h).sum().backward()
        let gradA = try #require(copyA.grad), gradB = try #require(copyB.grad)
        let summed = gradA + gradB
        #expect(sharedGrad.allClose(summed, rtol: 1e-5, atol: 1e-6), "\(sharedGrad.maxAbsDifference(summed))")
        #expect(maxDiff(sharedGrad, gradA) > 0)
    }

    @Test("Reflection: optionals, arrays, dictionaries, superclass first, constants skipped")
    func reflectionRules() {
        let m = Reflect.Derived()
        #expect(m.namedParameters().map(\.0) == [
            "scale", "weights.0", "weights.1", "first.weight", "first.bias",
            "blocks.1.weight", "blocks.1.bias", "heads.a.weight", "heads.a.bias", "heads.z.weight", "heads.z.bias",
            "_private.weight", "_private.bias",
        ])
        #expect(m.namedChildren().map(\.0) == ["first", "blocks.0", "blocks.1", "heads.a", "heads.z", "_private"])
        // A lazy var appears once it has been created; a reassigned optional at once.
        _ = m.later
        m.maybe = Linear(3, 3)
        #expect(m.namedChildren().map(\.0) == ["first", "maybe", "blocks.0", "blocks.1", "heads.a", "heads.z", "_private", "later"])
        #expect(!m.parameters().contains { $0 === m.constant })
        #expect(m.description.contains("(heads.a): Linear(in_features=3, out_features=2, bias=True)"))
    }

    @Test("Explicit registration: parameters, modules, buffers after the declared members")
    func explicitRegistration() {
        let m = Reflect.WithRegistered()
        // PyTorch's order: a module's own parameters, then its children's.
        #expect(m.namedParameters().map(\.0) == ["extra", "declared.weight", "declared.bias"])
        #expect(m.namedChildren().map(\.0) == ["declared", "act"])
        #expect(m.namedBuffers().map(\.0) == ["running", "scratch"])
        #expect(m.stateDict().map(\.0) == ["extra", "running", "declared.weight", "declared.bias"])
        #expect(m.buffer("running")?.shape == [2])
        // Re-registering a name replaces in place.
        m.registerBuffer(Tensor.ones([3]), named: "running")
        #expect(m.buffer("running")?.shape == [3])
        #expect(m.namedBuffers().map(\.0) == ["running", "scratch"])
        m.to(.float64)
        #expect(m.buffer("running")?.dtype == .float64)
        #expect(m.parameters().allSatisfy { $0.dtype == .float64 })
    }

    @Test("Registering a name a property already uses stops")
    func registrationCollision() async {
        await #expect(processExitsWith: .failure) {
            let m = Reflect.WithRegistered()
            m.addModule(ReLU(), named: "declared")
        }
        await #expect(processExitsWith: .failure) {
            Module().addModule(ReLU(), named: "a.b")
        }
    }

    @Test("A reassigned property is seen at once")
    func reassignment() {
        let net = NNBook.MyLinear(inUnits: 5, units: 3)
        let old = net.weight
        net.weight = Parameter(Tensor.zeros([5, 3]))
        #expect(net.parameters().first === net.weight)
        #expect(net.parameters().first !== old)
    }

    @Test("The book's MyLinear: parameters from randn, forward with relu")
    func myLinear() {
        let linear = NNBook.MyLinear(inUnits: 5, units: 3, generator: Generator(seed: 2))
        #expect(linear.weight.shape == [5, 3])
        #expect("\(linear.weight)".hasPrefix("Parameter containing:\ntensor([["))
        let y = linear(Tensor.rand([2, 5]))
        #expect(y.shape == [2, 3] && y.floats().allSatisfy { $0 >= 0 })
        let net = Sequential(NNBook.MyLinear(inUnits: 64, units: 8), NNBook.MyLinear(inUnits: 8, units: 1))
        #expect(net(Tensor.rand([2, 64])).shape == [2, 1])
        #expect(net.namedParameters().map(\.0) == ["0.weight", "0.bias", "1.weight", "1.bias"])
    }

    @Test("apply visits children first, then self; apply(to:) filters by type")
    func applyOrder() {
        let m = Reflect.Recorder()
        var visited: [String] = []
        m.apply { visited.append($0.typeName) }
        #expect(visited == ["Identity", "Identity", "Identity", "Sequential", "Recorder"])
        var count = 0
        m.apply(to: Identity.self) { _ in count += 1 }
        #expect(count == 3)
    }

    @Test("train()/eval() reach every module; zeroGrad clears every gradient")
    func modes() {
        let net = Sequential(Linear(3, 3), Sequential(Dropout(p: 0.5), Linear(3, 1)))
        #expect(net.modules().allSatisfy { $0.isTraining })
        net.eval()
        #expect(net.modules().allSatisfy { !$0.isTraining })
        net.train()
        #expect(net.modules().allSatisfy { $0.isTraining })
        net(Tensor.rand([2, 3])).sum().backward()
        #expect(net.parameters().allSatisfy { $0.grad != nil })
        net.zeroGrad()
        #expect(net.parameters().allSatisfy { $0.grad == nil })
    }

    @Test("to(.float64) converts in place, keeping the Parameter objects")
    func toDType() {
        let net = Sequential(Linear(3, 2), ReLU(), Linear(2, 1))
        let before = net.parameters()
        let values = before.map { $0.doubles() }
        net.to(.float64)
        let after = net.parameters()
        #expect(zip(before, after).allSatisfy { $0 === $1 })
        #expect(after.allSatisfy { $0.dtype == .float64 })
        #expect(after.map { $0.doubles() } == values)
        #expect(net(Tensor.rand([2, 3], dtype: .float64)).dtype == .float64)
        net.float()
        #expect(net.parameters().allSatisfy { $0.dtype == .float32 })
    }

    @Test("A module without forward stops with PyTorch's message")
    func missingForward() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            final class NoForward: Module {}
            _ = NoForward()(Tensor.zeros([1]))
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("Module [NoForward] is missing the required \"forward\" function"), "\(stderr)")
    }

    @Test("Counting a lazy model before its first call stops, naming the parameter")
    func lazyCountStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = NNBook.MLP().parameterCount
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("hidden.weight") && stderr.contains("calling the module once"), "\(stderr)")
    }

    @Test("Repeated reflection finds the same 18 parameters every time (its speed is layerkit-bench's module.parameters.rgnet)")
    func repeatedReflection() {
        let rgnet = Sequential(NNBook.block2(), Linear(4, 1))
        let first = rgnet.parameters()
        #expect(first.count == 18)
        for _ in 0..<20 {
            let again = rgnet.parameters()
            #expect(again.count == 18 && zip(again, first).allSatisfy { $0 === $1 })
        }
    }
}
