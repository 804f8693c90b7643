import Foundation
import Testing
@testable import LayerKit

/// Bilinear, Conv1d, SpectralConv1d and FNO1d against PyTorch (fixtures written by
/// Fixtures/make_research_layers.py), float64 gradient checks, and the two-input module protocol.
@Suite("Research layers: Bilinear, Conv1d, SpectralConv1d, FNO1d")
struct ResearchLayersTests {
    func entry(_ key: String) throws -> [String: Any] {
        try #require(try loadFixture("research_layers")[key] as? [String: Any], "research_layers.json has no \(key)")
    }

    func cases(_ key: String) throws -> [[String: Any]] {
        try #require(try loadFixture("research_layers")[key] as? [[String: Any]], "research_layers.json has no \(key)")
    }

    /// Runs `y = f()`, backpropagates `Σ y·g`, and returns y.
    func forwardBackward(_ g: Tensor, _ f: () -> Tensor) -> Tensor {
        let y = f()
        (y * g).sum().backward()
        return y
    }

    // MARK: Two-input modules

    /// A two-input layer written only with `forward(_:_:)`.
    final class Gate: Module, BinaryModule {
        func forward(_ x: Tensor, _ gate: Tensor) -> Tensor { x * gate.sigmoid() }
    }

    @Test("BinaryModule: layer(x1, x2) calls forward(x1, x2), no hand-written callAsFunction; Sequential still takes one input")
    func binaryModule() {
        let x = Tensor.randn([3, 4], generator: Generator(seed: 1)), g = Tensor.randn([3, 4], generator: Generator(seed: 2))
        #expect(Gate()(x, g).floats() == (x * g.sigmoid()).floats())
        let bilinear = Bilinear(in1Features: 4, in2Features: 4, outFeatures: 2, generator: Generator(seed: 3))
        #expect(bilinear(x, g).floats() == bilinear.forward(x, g).floats())
        // One input inside a Sequential: Bilinear(x) = Bilinear(x, x), the tensor reduction
        // (through quadraticForm, so summed in another order).
        let net = Sequential(bilinear, ReLU())
        #expect(allClose(net(x), bilinear(x, x).relu(), rtol: 1e-6, atol: 1e-6))
    }

    @Test("Bilinear with one input (the tensor reduction over pairs i ≤ j) equals the two-input form, values and gradients, float64, batch axes [2, 3]")
    func bilinearOneInput() throws {
        let layer = Bilinear(in1Features: 7, in2Features: 7, outFeatures: 4, dtype: .float64, generator: Generator(seed: 5))
        let x = Tensor.randn([2, 3, 7], dtype: .float64, generator: Generator(seed: 6)).requiringGrad()
        let g = Tensor.randn([2, 3, 4], dtype: .float64, generator: Generator(seed: 7))
        let y = forwardBackward(g) { layer(x) }
        let (dx, dw, db) = (try #require(x.grad).clone(), try #require(layer.weight.grad).clone(), try #require(layer.bias!.grad).clone())
        layer.zeroGrad()
        let x2 = x.detach().clone().requiringGrad()
        let want = forwardBackward(g) { layer(x2, x2) }
        #expect(allClose(y, want, rtol: 1e-12, atol: 1e-12), "y: \(maxDiff(y, want))")
        #expect(allClose(dx, try #require(x2.grad), rtol: 1e-12, atol: 1e-12), "dx: \(maxDiff(dx, x2.grad!))")
        #expect(allClose(dw, try #require(layer.weight.grad), rtol: 1e-12, atol: 1e-12), "dW: \(maxDiff(dw, layer.weight.grad!))")
        #expect(allClose(db, try #require(layer.bias!.grad), rtol: 1e-12, atol: 1e-12), "db")
    }

    // MARK: Bilinear

    @Test("Bilinear matches torch.nn.Bilinear: values and gradients of x1, x2, weight, bias (batch axes [2, 3])")
    func bilinearMatchesTorch() throws {
        let f = try entry("bilinear")
        let layer = Bilinear(in1Features: 4, in2Features: 5, outFeatures: 3, dtype: .float64, generator: Generator(seed: 0))
        #expect(layer.stateDict().map(\.0) == (f["state_keys"] as? [String]))
        layer.weight.copy(from: try fixtureTensor(f["weight"]))
        layer.bias!.copy(from: try fixtureTensor(f["bias"]))
        let x1 = try fixtureTensor(f["x1"]).requiringGrad(), x2 = try fixtureTensor(f["x2"]).requiringGrad()
        let y = forwardBackward(try fixtureTensor(f["g"])) { layer(x1, x2) }
        let expected = try fixtureTensor(f["y"])
        #expect(allClose(y, expected, rtol: 1e-12, atol: 1e-12), "max diff \(maxDiff(y, expected))")
        for (got, key) in [(x1.grad, "dx1"), (x2.grad, "dx2"), (layer.weight.grad, "dweight"), (layer.bias!.grad, "dbias")] {
            let want = try fixtureTensor(f[key])
            let got = try #require(got, "no gradient for \(key)")
            #expect(allClose(got, want, rtol: 1e-12, atol: 1e-12), "\(key): max diff \(maxDiff(got, want))")
        }
    }

    @Test("Bilinear: PyTorch's layout, U(±1/√in1) initialisation, printing, and its one-input case is the tensor reduction")
    func bilinearLayoutAndInit() {
        let layer = Bilinear(in1Features: 16, in2Features: 9, outFeatures: 20, generator: Generator(seed: 5))
        #expect(layer.weight.shape == [20, 16, 9] && layer.bias?.shape == [20])
        let bound: Float = 1 / 4
        let v = layer.weight.floats()
        #expect(v.allSatisfy { abs($0) <= bound } && v.max()! > 0.9 * bound && v.min()! < -0.9 * bound)
        #expect(layer.bias!.floats().allSatisfy { abs($0) <= bound })
        #expect(layer.description == "Bilinear(in1_features=16, in2_features=9, out_features=20, bias=True)")
        #expect(Bilinear(in1Features: 2, in2Features: 2, outFeatures: 1, bias: false, generator: Generator(seed: 24)).parameterCount == 4)
        // y_k = Σ_ij W_kij x_i x_j, checked element by element, with more rows than outputs and
        // fewer (the forward GEMM runs in the other orientation then).
        for (rows, outs) in [(4, 2), (2, 6)] {
            let square = Bilinear(in1Features: 3, in2Features: 3, outFeatures: outs, bias: false, dtype: .float64, generator: Generator(seed: 6))
            let x = Tensor.randn([rows, 3], dtype: .float64, generator: Generator(seed: 7))
            let (w, xs, y) = (square.weight.doubles(), x.doubles(), square(x).doubles())
            for b in 0..<rows {
                for k in 0..<outs {
                    var s = 0.0
                    for i in 0..<3 { for j in 0..<3 { s += w[k * 9 + i * 3 + j] * xs[b * 3 + i] * xs[b * 3 + j] } }
                    #expect(abs(y[b * outs + k] - s) < 1e-12, "rows \(rows) outputs \(outs)")
                }
            }
        }
    }

    @Test("Bilinear passes gradCheck in float64 (two inputs, weight, bias; and the one-input form)")
    func bilinearGradCheck() throws {
        for (rows, outs) in [(5, 2), (2, 4)] {
            let layer = Bilinear(in1Features: 3, in2Features: 4, outFeatures: outs, dtype: .float64, generator: Generator(seed: 8))
            let x1 = randomInput([rows, 3], seed: 9), x2 = randomInput([rows, 4], seed: 10)
            let report = try gradCheck([x1, x2] + layer.parameters()) { layer($0[0], $0[1]) }
            #expect(report.passed, "rows \(rows) outputs \(outs): \(report)")
        }
        let square = Bilinear(in1Features: 3, in2Features: 3, outFeatures: 2, dtype: .float64, generator: Generator(seed: 11))
        let one = try gradCheck([randomInput([2, 3], seed: 12)] + square.parameters()) { square($0[0]) }
        #expect(one.passed, "\(one)")
    }

    // MARK: Conv1d

    @Test("Conv1d matches torch.nn.Conv1d (kernel 3 stride 2 padding 1, kernel 1, kernel 5 padding 2 no bias, kernel 4 stride 3): values, gradients, printing")
    func conv1dMatchesTorch() throws {
        for c in try cases("conv1d") {
            let (cin, cout, k) = (c["in"] as! Int, c["out"] as! Int, c["kernel"] as! Int)
            let (stride, padding, hasBias) = (c["stride"] as! Int, c["padding"] as! Int, c["bias"] as! Bool)
            let conv = Conv1d(inChannels: cin, outChannels: cout, kernelSize: k, stride: stride, padding: padding, bias: hasBias,
                              dtype: .float64, generator: Generator(seed: 0))
            #expect(conv.description == c["repr"] as? String)
            conv.weight.copy(from: try fixtureTensor(c["weight"]))
            if hasBias { conv.bias!.copy(from: try fixtureTensor(c["bias_value"])) }
            let x = try fixtureTensor(c["x"]).requiringGrad()
            let y = forwardBackward(try fixtureTensor(c["g"])) { conv(x) }
            let expected = try fixtureTensor(c["y"])
            #expect(allClose(y, expected, rtol: 1e-12, atol: 1e-12), "\(c["repr"]!): max diff \(maxDiff(y, expected))")
            var pairs = [(x.grad, "dx"), (conv.weight.grad, "dweight")]
            if hasBias { pairs.append((conv.bias!.grad, "dbias")) }
            for (got, key) in pairs {
                let want = try fixtureTensor(c[key]), got = try #require(got, "no gradient for \(key)")
                #expect(allClose(got, want, rtol: 1e-12, atol: 1e-12), "\(c["repr"]!) \(key): max diff \(maxDiff(got, want))")
            }
        }
    }

    @Test("Conv1d: weight [out, in, k], U(±1/√(in·k)) initialisation, unbatched input, gradCheck in float64")
    func conv1dInitAndGradCheck() throws {
        let conv = Conv1d(inChannels: 4, outChannels: 50, kernelSize: 4, generator: Generator(seed: 13))
        #expect(conv.stateDict().map(\.0) == ["weight", "bias"] && conv.weight.shape == [50, 4, 4])
        let v = conv.weight.floats(), bound: Float = 0.25
        #expect(v.allSatisfy { abs($0) <= bound } && v.max()! > 0.9 * bound && v.min()! < -0.9 * bound)
        #expect(conv.bias!.floats().allSatisfy { abs($0) <= bound })
        let x = Tensor.randn([4, 10], generator: Generator(seed: 14))
        #expect(conv(x).floats() == conv(x.unsqueeze(0)).squeeze(0).floats())
        for (k, stride, padding) in [(3, 2, 1), (1, 1, 0), (2, 1, 3)] {
            let c = Conv1d(inChannels: 2, outChannels: 3, kernelSize: k, stride: stride, padding: padding, dtype: .float64, generator: Generator(seed: 15))
            let report = try gradCheck([randomInput([2, 2, 7], seed: 16)] + c.parameters()) { c($0[0]) }
            #expect(report.passed, "kernel \(k) stride \(stride) padding \(padding): \(report)")
        }
    }

    // MARK: SpectralConv1d

    @Test("SpectralConv1d matches the reference (PyTorch, cdouble weights): even n, odd n with modes = n/2 + 1, Nyquist kept, one mode")
    func spectralMatchesTorch() throws {
        for c in try cases("spectral") {
            let (cin, cout, modes) = (c["in"] as! Int, c["out"] as! Int, c["modes"] as! Int)
            let layer = SpectralConv1d(inChannels: cin, outChannels: cout, modes: modes, dtype: .float64, generator: Generator(seed: 0))
            layer.weights1.copy(from: try fixtureTensor(c["weights1"]))
            let x = try fixtureTensor(c["x"]).requiringGrad()
            let y = forwardBackward(try fixtureTensor(c["g"])) { layer(x) }
            let expected = try fixtureTensor(c["y"])
            let label = "in \(cin) out \(cout) modes \(modes) x \(x.shape)"
            #expect(allClose(y, expected, rtol: 1e-10, atol: 1e-12), "\(label): max diff \(maxDiff(y, expected))")
            for (got, key) in [(x.grad, "dx"), (layer.weights1.grad, "dweights1")] {
                let want = try fixtureTensor(c[key]), got = try #require(got, "no gradient for \(key)")
                #expect(allClose(got, want, rtol: 1e-10, atol: 1e-12), "\(label) \(key): max diff \(maxDiff(got, want))")
            }
        }
    }

    @Test("SpectralConv1d: weights1 [in, out, modes, 2] in [0, 1/(in·out)), gradCheck in float64 for odd and even n")
    func spectralInitAndGradCheck() throws {
        let layer = SpectralConv1d(inChannels: 4, outChannels: 5, modes: 6, generator: Generator(seed: 17))
        #expect(layer.stateDict().map(\.0) == ["weights1"] && layer.weights1.shape == [4, 5, 6, 2])
        let v = layer.weights1.floats(), scale: Float = 1 / 20
        #expect(v.allSatisfy { $0 >= 0 && $0 < scale } && v.max()! > 0.9 * scale)
        for (n, modes) in [(7, 4), (8, 5), (8, 2)] {
            let l = SpectralConv1d(inChannels: 2, outChannels: 3, modes: modes, dtype: .float64, generator: Generator(seed: 18))
            let report = try gradCheck([randomInput([2, 2, n], seed: 19)] + l.parameters()) { l($0[0]) }
            #expect(report.passed, "n \(n) modes \(modes): \(report)")
        }
    }

    // MARK: FNO1d

    @Test("FNO1d's state dict has the reference's names, order and shapes (549,569 parameters at modes 16, width 64)")
    func fnoStateDictNames() throws {
        let f = try entry("fno1d")
        #expect(FNO1d(modes: 4, width: 8, generator: Generator(seed: 0)).stateDict().map(\.0) == (f["keys"] as? [String]))
        let model = FNO1d(modes: 16, width: 64, generator: Generator(seed: 0))
        let reference = try #require(f["reference_16_64"] as? [String: [Int]])
        let ours = Dictionary(uniqueKeysWithValues: model.stateDict().map { ($0.0, $0.1.shape) })
        #expect(ours == reference)
        #expect(model.parameterCount == f["reference_16_64_parameters"] as? Int)
        #expect(Set(FNO1d.complexStateKeys) == Set(ours.keys.filter { $0.hasSuffix("weights1") }))
    }

    @Test("FNO1d loads a PyTorch state dict (complex weights as view_as_real) and reproduces PyTorch's output")
    func fnoLoadsTorchWeights() throws {
        let model = FNO1d(modes: 4, width: 8, generator: Generator(seed: 0))
        let state = try Safetensors.load(from: try fixtureURL("fno1d_state"))
        try model.loadStateDict(state)
        let io = Dictionary(uniqueKeysWithValues: try Safetensors.load(from: try fixtureURL("fno1d_io")))
        let x = try #require(io["x"]), expected = try #require(io["y"])
        let y = model(x)
        #expect(y.shape == [2, 16, 1])
        #expect(allClose(y, expected, rtol: 1e-4, atol: 1e-5), "max diff \(maxDiff(y, expected))")
        // The grid appended by the model itself (linspace(0, 1, n)) gives the same input and output,
        // up to float32 rounding of the grid (PyTorch's float32 linspace rounds differently).
        #expect(allClose(FNO1d.withGrid(x.select(axis: 2, index: 0)), x, rtol: 0, atol: 1e-7))
        #expect(allClose(model(x.narrow(axis: 2, start: 0, length: 1)), expected, rtol: 1e-4, atol: 1e-5))
    }

    /// True once the safetensors reader accepts C64 (the `dtypes` branch).
    static let readsComplex: Bool = {
        let header = Data(#"{"w":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#.utf8)
        var image = Data(withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) })
        image.append(header)
        image.append(Data(count: 8))
        return (try? Safetensors.decode(image)) != nil
    }()

    @Test("FNO1d loads PyTorch's own state dict file with cfloat (C64) weights",
          .enabled(if: ResearchLayersTests.readsComplex, "needs safetensors C64 support (the dtypes branch)"))
    func fnoLoadsComplexStateDict() throws {
        let model = FNO1d(modes: 4, width: 8, generator: Generator(seed: 0))
        try model.loadStateDict(try Safetensors.load(from: try fixtureURL("fno1d_state_c64")))
        let io = Dictionary(uniqueKeysWithValues: try Safetensors.load(from: try fixtureURL("fno1d_io")))
        let y = model(try #require(io["x"])), expected = try #require(io["y"])
        #expect(allClose(y, expected, rtol: 1e-4, atol: 1e-5), "max diff \(maxDiff(y, expected))")
    }

    @Test("FNO1d passes gradCheck in float64 (modes 2, width 3, n 6; every parameter and the input)")
    func fnoGradCheck() throws {
        let model = FNO1d(modes: 2, width: 3, dtype: .float64, generator: Generator(seed: 20))
        let x = FNO1d.withGrid(randomInput([1, 6], seed: 21))
        let report = try gradCheck([x] + model.parameters()) { model($0[0]) }
        #expect(report.passed, "\(report)")
    }

    static let torchPython: String? = {
        let candidates = [ProcessInfo.processInfo.environment["LAYERKIT_TORCH_PYTHON"], "python3"].compactMap { $0 }
        return candidates.first { (try? runProcess($0, ["-c", "import torch, safetensors"]))?.status == 0 }
    }()

    @Test("FNO1d weights written here load into the PyTorch reference model, which gives the same output",
          .enabled(if: ResearchLayersTests.torchPython != nil, "needs python3 (or LAYERKIT_TORCH_PYTHON) with torch and safetensors"))
    func fnoRoundTripThroughTorch() throws {
        let python = try #require(Self.torchPython)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("layerkit-fno-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = FNO1d(modes: 5, width: 6, generator: Generator(seed: 22))
        let x = FNO1d.withGrid(Tensor.randn([3, 20], generator: Generator(seed: 23)))
        let (state, input, output) = ["state", "input", "output"].map { directory.appendingPathComponent("\($0).safetensors") }
            .splat3()
        try Safetensors.save(model.stateDict(), to: state)
        try Safetensors.save([("x", x)], to: input)
        let script = try fixtureURL("make_research_layers", extension: "py")
        let result = try runProcess(python, [script.path, "roundtrip", state.path, input.path, output.path])
        try #require(result.status == 0, "python failed: \(result.stderr)")
        let y = try #require(try Safetensors.load(from: output).first?.1)
        let ours = model(x)
        #expect(allClose(ours, y, rtol: 1e-4, atol: 1e-5), "max diff \(maxDiff(ours, y))")
    }
}

private extension Array {
    /// The first three elements as a tuple.
    func splat3() -> (Element, Element, Element) { (self[0], self[1], self[2]) }
}

private extension Tensor {
    /// This tensor as a leaf that requires grad.
    func requiringGrad() -> Tensor {
        requiresGrad = true
        return self
    }
}

/// A committed fixture file's URL.
private func fixtureURL(_ name: String, extension ext: String = "safetensors") throws -> URL {
    try #require(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures"), "fixture \(name).\(ext) is missing")
}
