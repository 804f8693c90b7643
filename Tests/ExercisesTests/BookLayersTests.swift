import Testing
import Exercises

/// The chapters' example layers: the book's outputs, shapes, parameter names and gradients.
@Suite("Book layers: Layers and Modules, Custom Layers")
struct BookLayersTests {
    @Test("CenteredLayer on [1, 2, 3, 4, 5] prints exactly as the book")
    func centeredPrints() {
        let layer = CenteredLayer()
        #expect(String(describing: layer(Tensor([1, 2, 3, 4, 5]))) == "tensor([-2., -1.,  0.,  1.,  2.])")
        #expect(layer.parameters().isEmpty)
    }

    @Test("A network ending in CenteredLayer outputs mean 0 (within float tolerance)")
    func centeredNetwork() throws {
        manualSeed(0)
        let net = Sequential(Linear(8, 128), CenteredLayer())
        let y = net(Tensor.rand([4, 8]))
        #expect(y.shape == [4, 128])
        #expect(Swift.abs(y.mean().item()) < 1e-6)
        let x = Tensor.rand([4, 8], dtype: .float64)
        let report = try gradCheck([x]) { CenteredLayer()($0[0]) }
        #expect(report.passed, "\(report)")
    }

    @Test("MLP: shapes, PyTorch parameter names and count, gradients")
    func mlp() throws {
        let net = MLP()
        #expect(net(Tensor.rand([2, 20])).shape == [2, 10])
        #expect(net.namedParameters().map { $0.0 } == ["hidden.weight", "hidden.bias", "out.weight", "out.bias"])
        #expect(net.parameterCount == 20 * 256 + 256 + 256 * 10 + 10)
        let small = MLP(inFeatures: 3, hiddenFeatures: 4, outFeatures: 2).to(.float64)
        let x = Tensor.randn([2, 3], dtype: .float64)
        let report = try gradCheck([x] + small.parameters()) { small($0[0]) }
        #expect(report.passed, "\(report)")
    }

    @Test("MySequential registers children under \"0\", \"1\", … like nn.Sequential")
    func mySequential() {
        let net = MySequential(Linear(20, 256), ReLU(), Linear(256, 10))
        #expect(net.namedParameters().map { $0.0 } == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(net.namedChildren().map(\.0) == ["0", "1", "2"])
        #expect(net(Tensor.rand([2, 20])).shape == [2, 10])
        let reference = Sequential(Linear(20, 256), ReLU(), Linear(256, 10))
        #expect(net.stateDict().map(\.0) == reference.stateDict().map(\.0))
    }

    @Test("FixedHiddenMLP: the constant weight is not a parameter; the shared layer gets both gradients")
    func fixedHiddenMLP() throws {
        let net = FixedHiddenMLP(generator: Generator(seed: 1))
        #expect(net.namedParameters().map { $0.0 } == ["linear.weight", "linear.bias"])
        #expect(net.parameterCount == 20 * 20 + 20)
        #expect(!net.stateDict().map(\.0).contains { $0.contains("rand") })
        let y = net(Tensor.rand([2, 20]))
        #expect(y.shape == [] && Swift.abs(y.item()) <= 1)
        y.backward()
        #expect(net.randWeight.grad == nil && net.linear.weight.grad != nil)
        let f64 = FixedHiddenMLP(generator: Generator(seed: 2)).to(.float64)
        let x = Tensor.rand([2, 20], dtype: .float64)
        let report = try gradCheck([x] + f64.parameters()) { f64($0[0]) }
        #expect(report.passed, "\(report)")
    }

    @Test("NestMLP and the chimera: nested names, lazy inference, output")
    func nestAndChimera() {
        let nest = NestMLP()
        #expect(nest.namedParameters().map { $0.0 } == [
            "net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias", "linear.weight", "linear.bias",
        ])
        let net = chimera(generator: Generator(seed: 3))
        let y = net(Tensor.rand([2, 20]))
        #expect(y.shape == [])
        #expect(net[1, as: LazyLinear.self].inFeatures == 16)
        #expect(net.parameterCount == nest.parameterCount + 16 * 20 + 20 + 420)
    }

    @Test("MyLinear lets gradients reach its parameters; the book's .data version does not")
    func myLinear() throws {
        let ours = MyLinear(inUnits: 5, units: 3, generator: Generator(seed: 4))
        let book = BookMyLinear(inUnits: 5, units: 3, generator: Generator(seed: 4))
        let x = Tensor.rand([2, 5])
        #expect(ours(x).floats() == book(x).floats())
        (ours(x) + 1).sum().backward()
        #expect(ours.weight.grad != nil && ours.bias.grad != nil)
        // The book's `.data` detaches the weights: with a constant input the
        // output is not even part of a graph, and with a trainable input the
        // gradient reaches the input but never the parameters.
        #expect(!book(x).requiresGrad)
        let xg = x.detach()
        xg.requiresGrad = true
        (book(xg) + 1).sum().backward()
        #expect(xg.grad != nil)
        #expect(book.weight.grad == nil && book.bias.grad == nil)
        #expect(ours.weight.shape == [5, 3] && ours.namedParameters().map { $0.0 } == ["weight", "bias"])

        let net = Sequential(MyLinear(64, 8), MyLinear(8, 1))
        #expect(net(Tensor.rand([2, 64])).shape == [2, 1])

        let f64 = MyLinear(inUnits: 4, units: 3, generator: Generator(seed: 5)).to(.float64)
        let xs = Tensor.randn([3, 4], dtype: .float64, generator: Generator(seed: 6))
        let report = try gradCheck([xs, f64.weight, f64.bias]) { f64($0[0]) }
        #expect(report.passed, "\(report)")
    }

    @Test("Dense builds its kernel at the first call with a named initialiser and activation")
    func dense() throws {
        let layer = try Dense(units: 10, activation: "relu", initializer: "he_normal", generator: Generator(seed: 7))
        #expect(!layer.isBuilt)
        let y = layer(Tensor.randn([5, 8]))
        #expect(y.shape == [5, 10] && layer.isBuilt && layer.kernel.shape == [8, 10])
        #expect(y.min().item() >= 0)
        #expect(layer.parameterCount == 8 * 10 + 10)
        #expect(throws: DenseError.self) { try Dense(units: 3, initializer: "golden") }
        #expect(throws: UnknownActivationError.self) { try Dense(units: 3, activation: "swishy") }

        let f64 = try Dense(units: 3, activation: "tanh", generator: Generator(seed: 8))
        _ = f64(Tensor.zeros([1, 4]))
        _ = f64.to(.float64)
        let x = Tensor.randn([2, 4], dtype: .float64)
        let report = try gradCheck([x] + f64.parameters()) { f64($0[0]) }
        #expect(report.passed, "\(report)")
    }

    @Test("MultiLayer registers every layer through ModuleList")
    func multiLayer() throws {
        let model = MultiLayer([10, 20, 5])
        #expect(model(Tensor.randn([32, 10])).shape == [32, 5])
        #expect(model.parameterCount == 10 * 20 + 20 + 20 * 5 + 5)
        #expect(model.namedParameters().map { $0.0 }.first == "layers.0.weight")
        let f64 = MultiLayer([3, 4, 2]).to(.float64)
        let report = try gradCheck([Tensor.randn([2, 3], dtype: .float64)] + f64.parameters()) { f64($0[0]) }
        #expect(report.passed, "\(report)")
    }

    @Test("ConditionalLayer picks a branch per call; only that branch gets a gradient")
    func conditional() {
        let layer = ConditionalLayer()
        let x = Tensor.randn([1, 10])
        #expect(layer(x, true).floats() == layer.branch1(x).floats())
        #expect(layer(x, false).floats() == layer.branch2(x).floats())
        layer(x, false).sum().backward()
        #expect(layer.branch1.weight.grad == nil && layer.branch2.weight.grad != nil)
        #expect(layer.parameterCount == 2 * (10 * 5 + 5))
    }
}
