import Foundation
import Testing
@testable import LayerKit

@Suite("Layers: Linear, LazyLinear, activations, Flatten, Dropout, containers, initialisers")
struct LayersTests {
    let fixture: [String: Any]

    init() throws { fixture = try loadFixture("nn_modules") }

    /// What PyTorch printed for a layer (a marker when absent, so comparisons fail).
    func repr(_ key: String) -> String { (fixture["reprs"] as? [String: String])?[key] ?? "<missing \(key)>" }

    // MARK: Printing

    @Test("Every layer and container prints as PyTorch's")
    func printing() {
        #expect(Linear(20, 256).description == "Linear(in_features=20, out_features=256, bias=True)")
        #expect(Linear(3, 2, bias: false).description == repr("linear_nobias"))
        #expect(ReLU().description == repr("relu"))
        #expect(Sigmoid().description == repr("sigmoid"))
        #expect(Tanh().description == repr("tanh"))
        #expect(GELU().description == repr("gelu"))
        #expect(GELU(approximate: .tanh).description == repr("gelu_tanh"))
        #expect(Softmax(axis: 1).description == repr("softmax"))
        #expect(Identity().description == repr("identity"))
        #expect(Flatten().description == repr("flatten"))
        #expect(Dropout(p: 0.5).description == repr("dropout"))
        #expect(Sequential().description == repr("empty_sequential"))
        #expect(ModuleList([Linear(2, 2), Linear(2, 2), ReLU(), Linear(2, 3)]).description == repr("module_list"))
        #expect(ModuleDict(["lin": Linear(2, 2), "act": ReLU()]).description == repr("module_dict"))
        #expect(Sequential(ModuleList(ReLU(), ReLU()), Tanh()).description == repr("nested_list"))
    }

    @Test("Printing PyTorch's MLP state-dict model gives PyTorch's text")
    func sequentialPrints() throws {
        let expected = try #require(try loadFixture("nn_mlp")["repr"] as? String)
        #expect(Sequential(Linear(20, 256), ReLU(), Linear(256, 10)).description == expected)
    }

    // MARK: Linear

    @Test("Linear: weight [out, in], PyTorch's U(±1/√in) for weight and bias, x·Wᵀ + b")
    func linear() {
        let layer = Linear(inFeatures: 20, outFeatures: 256)
        #expect(layer.weight.shape == [256, 20] && layer.bias?.shape == [256])
        #expect(layer.inFeatures == 20 && layer.outFeatures == 256)
        let bound = fixture["linear_bound_20"] as? Double ?? 0
        let w = layer.weight.doubles(), b = layer.bias!.doubles()
        #expect(w.allSatisfy { Swift.abs($0) <= bound } && b.allSatisfy { Swift.abs($0) <= bound })
        // 5120 uniform draws reach close to the bound: not a narrower distribution.
        #expect(w.map(Swift.abs).max()! > 0.98 * bound && b.map(Swift.abs).max()! > 0.9 * bound)
        let x = Tensor.rand([2, 20])
        let expected = x.matmul(layer.weight.T) + layer.bias!
        #expect(layer(x).allClose(expected, rtol: 1e-5, atol: 1e-6))
        let noBias = Linear(20, 3, bias: false)
        #expect(noBias.bias == nil && noBias.parameters().count == 1)
        #expect(noBias(x).allClose(x.matmul(noBias.weight.T), rtol: 1e-5, atol: 1e-6))
        // Batched input: the last axis is the feature axis.
        #expect(layer(Tensor.rand([3, 4, 20])).shape == [3, 4, 256])
    }

    // MARK: LazyLinear

    @Test("LazyLinear: uninitialised until the first call, then shaped and printed as Linear")
    func lazyLinear() throws {
        let lazy = LazyLinear(20)
        #expect(lazy.description == (fixture["lazy_repr_before"] as? String))
        #expect(!lazy.isMaterialized && lazy.hasUninitializedParameters)
        #expect(!lazy.weight.isInitialized && lazy.inFeatures == 0)
        let weight = lazy.weight, bias = try #require(lazy.bias)
        let y = lazy(Tensor.rand([2, 8]))
        #expect(y.shape == [2, 20])
        #expect(lazy.description == (fixture["lazy_repr_after"] as? String))
        // The same objects, now shaped: references taken before the call stay valid.
        #expect(lazy.weight === weight && lazy.bias === bias)
        #expect(weight.shape == [20, 8] && bias.shape == [20] && weight.isInitialized)
        let bound = 1 / 8.0.squareRoot()
        #expect(weight.doubles().allSatisfy { Swift.abs($0) <= bound } && weight.doubles().contains { $0 != 0 })
        #expect(lazy.parameterCount == 20 * 8 + 20)
        #expect(lazy.typeName == "Linear")
    }

    @Test("Reading an uninitialised parameter stops, saying to call the module first")
    func lazyReadStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = LazyLinear(4).weight.data
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("uninitialized parameter") && stderr.contains("calling the module once"), "\(stderr)")
        await #expect(processExitsWith: .failure) { _ = Sequential(LazyLinear(4)).stateDict() }
        await #expect(processExitsWith: .failure) { Init.normal(LazyLinear(4).weight) }
    }

    // MARK: Activations

    @Test("GELU (exact and tanh) and erf match PyTorch's values and gradients")
    func gelu() throws {
        let g = try #require(fixture["gelu"] as? [String: Any])
        let gt = try #require(fixture["gelu_tanh"] as? [String: Any])
        let x = try fixtureTensor(g["x"])
        let (yExact, gradExact) = (try fixtureTensor(g["y"]), try fixtureTensor(g["grad"]))
        let (yTanh, gradTanh) = (try fixtureTensor(gt["y"]), try fixtureTensor(gt["grad"]))
        let erfExpected = try fixtureTensor(fixture["erf"])
        x.requiresGrad = true
        let y = GELU()(x)
        #expect(y.gradFnName == "GeluBackward0")
        #expect(y.allClose(yExact, rtol: 1e-12, atol: 1e-14), "\(y.maxAbsDifference(yExact))")
        y.sum().backward()
        #expect(x.grad!.allClose(gradExact, rtol: 1e-12, atol: 1e-14), "\(x.grad!.maxAbsDifference(gradExact))")
        x.zeroGrad()
        let yt = GELU(approximate: .tanh)(x)
        #expect(yt.allClose(yTanh, rtol: 1e-12, atol: 1e-14), "\(yt.maxAbsDifference(yTanh))")
        yt.sum().backward()
        #expect(x.grad!.allClose(gradTanh, rtol: 1e-12, atol: 1e-14), "\(x.grad!.maxAbsDifference(gradTanh))")
        #expect(x.detach().erf().allClose(erfExpected, rtol: 1e-14, atol: 1e-15))
        // float32 goes through the float kernels.
        #expect(GELU()(x.detach().float()).allClose(yExact.float(), rtol: 1e-5, atol: 1e-6))
    }

    @Test("ReLU, Sigmoid, Tanh, Softmax, Identity, Flatten compute what their ops compute")
    func simpleLayers() {
        let x = Tensor.randn([3, 4], generator: Generator(seed: 5))
        #expect(ReLU()(x).allClose(x.relu()))
        #expect(Sigmoid()(x).allClose(x.sigmoid()))
        #expect(Tanh()(x).allClose(x.tanh()))
        #expect(Identity()(x) === x)
        let s = Softmax(axis: 1)(x)
        #expect(s.sum(axis: 1).allClose(Tensor.ones([3]), rtol: 1e-6, atol: 1e-6))
        #expect(Softmax(axis: 0)(x).sum(axis: 0).allClose(Tensor.ones([4]), rtol: 1e-6, atol: 1e-6))
        #expect(Flatten()(Tensor.zeros([2, 3, 4, 5])).shape == [2, 60])
        #expect(Flatten(startAxis: 0, endAxis: 1)(Tensor.zeros([2, 3, 4])).shape == [6, 4])
    }

    @Test("activation(name) makes each known layer; an unknown name throws, listing the names")
    func activationByName() throws {
        #expect(try activation("relu") is ReLU)
        #expect(try activation("ReLU") is ReLU)
        #expect(try activation("sigmoid") is Sigmoid)
        #expect(try activation("tanh") is Tanh)
        #expect((try activation("gelu") as? GELU)?.approximate == GELU.Approximation.none)
        #expect((try activation("gelu_tanh") as? GELU)?.approximate == .tanh)
        #expect((try activation("softmax") as? Softmax)?.axis == -1)
        #expect(try activation("identity") is Identity)
        #expect(try activation("linear") is Identity)
        #expect(throws: UnknownActivationError.self) { try activation("swish") }
        do {
            _ = try activation("swish")
        } catch {
            let message = "\(error)"
            #expect(message.contains("\"swish\"") && message.contains("relu") && message.contains("gelu") && message.contains("sigmoid"), "\(message)")
        }
    }

    // MARK: Dropout

    @Test("Dropout: zeroes about p and scales the rest by 1/(1-p) in training; identity in eval")
    func dropout() {
        let x = Tensor.ones([100, 100])
        let drop = Dropout(p: 0.3, generator: Generator(seed: 9))
        let y = drop(x).doubles()
        let zeros = y.filter { $0 == 0 }.count
        #expect(Swift.abs(Double(zeros) / 10_000 - 0.3) < 0.02, "\(zeros) zeros")
        #expect(y.allSatisfy { $0 == 0 || Swift.abs($0 - 1 / 0.7) < 1e-6 })
        // Seeded: the same seed gives the same mask; the stream advances between calls.
        let again = Dropout(p: 0.3, generator: Generator(seed: 9))(x).doubles()
        #expect(again == y)
        #expect(drop(x).doubles() != y)
        drop.eval()
        #expect(drop(x) === x)
        #expect(Dropout(p: 0)(x) === x)
        #expect(Dropout(p: 1)(x).doubles().allSatisfy { $0 == 0 })
    }

    @Test("Dropout with p outside [0, 1] stops")
    func dropoutRange() async {
        await #expect(processExitsWith: .failure) { _ = Dropout(p: 1.5) }
    }

    // MARK: Gradient checks, float64

    @Test("Linear passes gradCheck wrt input, weight and bias")
    func linearGradCheck() throws {
        let layer = Linear(4, 3).to(.float64)
        let x = randomInput([2, 4], seed: 1)
        let report = try gradCheck([x, layer.weight, layer.bias!]) { layer($0[0]) }
        #expect(report.passed, "\(report)")
        #expect(report.convertedInputs.isEmpty)
    }

    @Test("LazyLinear (after materialising) passes gradCheck")
    func lazyGradCheck() throws {
        let layer = LazyLinear(3, dtype: .float64)
        let x = randomInput([2, 5], seed: 2)
        _ = layer(x)
        let report = try gradCheck([x, layer.weight, layer.bias!]) { layer($0[0]) }
        #expect(report.passed, "\(report)")
    }

    @Test("Every activation, Flatten, Softmax and Dropout pass gradCheck wrt the input",
          arguments: ["relu", "sigmoid", "tanh", "gelu", "gelu_tanh", "softmax", "identity"])
    func activationGradCheck(name: String) throws {
        let layer = try activation(name)
        let x = randomInput([3, 4], seed: 3)
        let report = try gradCheck([x]) { layer($0[0]) }
        #expect(report.passed, "\(name): \(report)")
    }

    @Test("Flatten, Softmax(axis: 0) and Dropout (fixed mask) pass gradCheck")
    func otherGradChecks() throws {
        let x = randomInput([2, 3, 2], seed: 4)
        #expect(try gradCheck([x]) { Flatten()($0[0]) }.passed)
        #expect(try gradCheck([x]) { Softmax(axis: 0)($0[0]) }.passed)
        let g = Generator(seed: 1)
        let drop = Dropout(p: 0.4, generator: g)
        // Reseed before each call so every evaluation uses the same mask.
        let report = try gradCheck([x]) { g.manualSeed(1); return drop($0[0]) }
        #expect(report.passed, "\(report)")
    }

    @Test("A whole MLP and the book's MyLinear pass gradCheck wrt the input and every parameter")
    func modelGradCheck() throws {
        let net = Sequential(Linear(3, 4), GELU(), Linear(4, 2), Tanh()).to(.float64)
        let x = randomInput([2, 3], seed: 6)
        let report = try gradCheck([x] + net.parameters()) { net($0[0]) }
        #expect(report.passed, "\(report)")
        let my = NNBook.MyLinear(inUnits: 3, units: 2, generator: Generator(seed: 4)).to(.float64)
        let r2 = try gradCheck([x, my.weight, my.bias]) { my($0[0]) }
        #expect(r2.passed, "\(r2)")
    }

    // MARK: Containers

    @Test("Sequential: variadic and array init, append, insert, remove, slicing, iteration")
    func sequential() {
        let a = Linear(2, 3), r = ReLU(), b = Linear(3, 1)
        let net = Sequential([a, r])
        net.append(b)
        #expect(net.count == 3 && net[0] === a && net[2] === b && net[-1] === b)
        #expect(Array(net).map { ObjectIdentifier($0) } == [a, r, b].map { ObjectIdentifier($0) })
        let head = net[0..<2]
        #expect(head.count == 2 && head[1] === r)
        #expect(head(Tensor.rand([1, 2])).shape == [1, 3])
        net.insert(Tanh(), at: 1)
        #expect(net.namedChildren().map(\.0) == ["0", "1", "2", "3"] && net[1] is Tanh)
        net.remove(at: 1)
        #expect(net[1] === r && net.namedParameters().map(\.0) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        net[1] = Sigmoid()
        #expect(net[1] is Sigmoid && net.count == 3)
        let named = Sequential(named: [("hidden", Linear(2, 2)), ("act", ReLU())])
        #expect(named.namedParameters().map(\.0) == ["hidden.weight", "hidden.bias"])
        #expect(named.description.contains("(hidden): Linear"))
    }

    @Test("ModuleList and ModuleDict register their modules; ModuleDict keeps insertion order")
    func listAndDict() {
        final class Stack: Module {
            let blocks = ModuleList((0..<3).map { _ in Linear(2, 2) })
            let heads = ModuleDict(["z": Linear(2, 1), "a": Linear(2, 3)])
            override func forward(_ x: Tensor) -> Tensor { blocks.reduce(x) { $1($0).relu() } }
        }
        let m = Stack()
        #expect(m.namedParameters().map(\.0).prefix(2) == ["blocks.0.weight", "blocks.0.bias"])
        #expect(Array(m.namedParameters().map(\.0).suffix(4)) == ["heads.z.weight", "heads.z.bias", "heads.a.weight", "heads.a.bias"])
        #expect(m(Tensor.rand([1, 2])).shape == [1, 2])
        #expect(m.heads.keys == ["z", "a"] && m.heads["a", as: Linear.self]?.outFeatures == 3)
        m.heads["z"] = ReLU()
        #expect(m.heads.keys == ["z", "a"] && m.heads["z"] is ReLU)
        m.heads["new"] = Tanh()
        m.heads["a"] = nil
        #expect(m.heads.keys == ["z", "new"] && m.heads.count == 2)
        #expect(m.heads.map(\.key) == ["z", "new"])
        m.blocks.append(Linear(2, 2))
        m.blocks.insert(ReLU(), at: 0)
        #expect(m.blocks.count == 5 && m.blocks[0] is ReLU && m.blocks.namedChildren().map(\.0) == ["0", "1", "2", "3", "4"])
    }

    // MARK: Initialisers

    @Test("calculateGain and fans are PyTorch's")
    func gainsAndFans() throws {
        let gains = try #require(fixture["gains"] as? [String: Double])
        #expect(Init.calculateGain(.linear) == gains["linear"])
        #expect(Init.calculateGain(.sigmoid) == gains["sigmoid"])
        #expect(Init.calculateGain(.tanh) == gains["tanh"])
        #expect(Init.calculateGain(.relu) == gains["relu"])
        #expect(Init.calculateGain(.leakyRelu) == gains["leaky_relu"])
        #expect(Init.calculateGain(.leakyRelu, param: 0.2) == gains["leaky_relu_0.2"])
        #expect(Init.calculateGain(.selu) == gains["selu"])
        let fans = try #require(fixture["fans"] as? [String: [Int]])
        let f1 = Init.fans([256, 20]), f2 = Init.fans([3, 4, 5, 6])
        #expect([f1.fanIn, f1.fanOut] == fans["256x20"] && [f2.fanIn, f2.fanOut] == fans["3x4x5x6"])
    }

    @Test("Initialisers fill in place, without a graph, within their bounds and spreads")
    func initialisers() {
        let g = Generator(seed: 21)
        let w = Parameter(Tensor.zeros([256, 64]))
        let xavierBound = (6.0 / (256 + 64)).squareRoot()
        Init.xavierUniform(w, generator: g)
        #expect(w.isLeaf && w.gradFnName == nil)
        #expect(w.doubles().allSatisfy { Swift.abs($0) <= xavierBound } && w.doubles().map(Swift.abs).max()! > 0.99 * xavierBound)
        func std(_ t: Tensor) -> Double {
            let v = t.doubles(), m = v.reduce(0, +) / Double(v.count)
            return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count)).squareRoot()
        }
        Init.xavierNormal(w, generator: g)
        #expect(Swift.abs(std(w) / (2.0 / (256 + 64)).squareRoot() - 1) < 0.03)
        Init.kaimingNormal(w, nonlinearity: .relu, generator: g)
        #expect(Swift.abs(std(w) / (2.0 / 64).squareRoot() - 1) < 0.03)
        Init.kaimingNormal(w, mode: .fanOut, nonlinearity: .relu, generator: g)
        #expect(Swift.abs(std(w) / (2.0 / 256).squareRoot() - 1) < 0.03)
        Init.kaimingUniform(w, nonlinearity: .relu, generator: g)
        let kBound = (6.0 / 64).squareRoot()
        #expect(w.doubles().allSatisfy { Swift.abs($0) <= kBound } && w.doubles().map(Swift.abs).max()! > 0.99 * kBound)
        Init.normal(w, mean: 2, std: 0.5, generator: g)
        let mean = w.doubles().reduce(0, +) / Double(w.count)
        #expect(Swift.abs(mean - 2) < 0.02 && Swift.abs(std(w) - 0.5) < 0.02)
        Init.uniform(w, low: -3, high: -2, generator: g)
        #expect(w.doubles().allSatisfy { $0 >= -3 && $0 < -2 })
        Init.constant(w, 42)
        #expect(w.doubles().allSatisfy { $0 == 42 })
        Init.zeros(w)
        #expect(w.doubles().allSatisfy { $0 == 0 })
        Init.ones(w)
        #expect(w.doubles().allSatisfy { $0 == 1 })
        let w64 = Tensor.zeros([3, 3], dtype: .float64)
        Init.custom(w64) { shape, dtype in Tensor.eye(shape[0], dtype: dtype) * 7 }
        #expect(w64.dtype == .float64 && w64.doubles() == [7, 0, 0, 0, 7, 0, 0, 0, 7])
    }

    @Test("The book's init_normal, init_constant, init_xavier, init_42 and my_init through apply")
    func bookInitFunctions() {
        let net = Sequential(Linear(4, 8), ReLU(), Linear(8, 1))
        let g = Generator(seed: 8)

        func initNormal(_ m: Module) {
            if let m = m as? Linear {
                Init.normal(m.weight, mean: 0, std: 0.01, generator: g)
                Init.zeros(m.bias!)
            }
        }
        net.apply(initNormal)
        let w0 = net[0, as: Linear.self].weight
        #expect(w0.doubles().allSatisfy { Swift.abs($0) < 0.06 } && net[0, as: Linear.self].bias!.doubles().allSatisfy { $0 == 0 })

        func initConstant(_ m: Module) {
            if let m = m as? Linear {
                Init.constant(m.weight, 1)
                Init.zeros(m.bias!)
            }
        }
        net.apply(initConstant)
        #expect(w0.doubles().allSatisfy { $0 == 1 })

        func initXavier(_ m: Module) { if let m = m as? Linear { Init.xavierUniform(m.weight, generator: g) } }
        func init42(_ m: Module) { if let m = m as? Linear { Init.constant(m.weight, 42) } }
        net[0].apply(initXavier)
        net[2].apply(init42)
        #expect(w0.doubles().allSatisfy { Swift.abs($0) <= (6.0 / 12).squareRoot() } && w0.doubles().contains { $0 != 1 })
        #expect(net[2, as: Linear.self].weight.doubles().allSatisfy { $0 == 42 })

        var printed: [String] = []
        func myInit(_ m: Module) {
            if let m = m as? Linear {
                let (name, p) = m.namedParameters()[0]
                printed.append("Init \(name) \(p.shape)")
                Init.uniform(m.weight, low: -10, high: 10, generator: g)
                m.weight.data.mulInPlace(m.weight.data.abs() .>= 5)
            }
        }
        net.apply(myInit)
        #expect(printed == ["Init weight [8, 4]", "Init weight [1, 8]"])
        #expect(w0.doubles().allSatisfy { $0 == 0 || (Swift.abs($0) >= 5 && Swift.abs($0) <= 10) })
        #expect(w0.doubles().contains { $0 == 0 } && w0.doubles().contains { $0 != 0 })
        #expect(w0.isLeaf && w0.requiresGrad)

        // net[0].weight.data[:] += 1; net[0].weight.data[0, 0] = 42
        let before = w0.floats()
        w0.data.addInPlace(Tensor(scalar: 1))
        #expect(w0.floats() == before.map { $0 + 1 })
    }
}
