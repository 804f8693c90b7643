import Foundation
import Testing
@testable import LayerKit

@Suite("State dicts: order, loading, PyTorch's checkpoints and error messages")
struct StateDictTests {
    let fixture: [String: Any]

    init() throws { fixture = try loadFixture("nn_modules") }

    /// PyTorch's message with `torch.Size([3, 4])` spelled `[3, 4]`, as LayerKit prints shapes.
    func pytorchMessage(_ key: String) -> String {
        (fixture[key] as? String ?? "<missing \(key)>")
            .replacingOccurrences(of: "torch.Size(", with: "")
            .replacingOccurrences(of: "])", with: "]")
    }

    @Test("A PyTorch state dict of Linear(20,256)-ReLU-Linear(256,10) gives PyTorch's outputs")
    func pytorchCheckpoint() throws {
        let mlp = try loadFixture("nn_mlp")
        let entries = try #require(mlp["state_dict"] as? [[String: Any]])
        let state: [(String, Tensor)] = try entries.map { entry in
            (try #require(entry["name"] as? String), try fixtureTensor(entry["tensor"], dtype: .float32))
        }
        let net = Sequential(Linear(20, 256), ReLU(), Linear(256, 10))
        let weight = net[0, as: Linear.self].weight
        let result = try net.loadStateDict(state)
        #expect(result.missingKeys.isEmpty && result.unexpectedKeys.isEmpty)
        #expect(result.description == "<All keys matched successfully>")
        #expect(net[0, as: Linear.self].weight === weight)
        #expect(weight.floats() == state[0].1.floats())
        let x = try fixtureTensor(mlp["x"], dtype: .float32)
        let expected = try fixtureTensor(mlp["y"], dtype: .float32)
        let y = net(x)
        #expect(y.allClose(expected, rtol: 0, atol: 1e-5), "max difference \(y.maxAbsDifference(expected))")
        #expect(net.stateDict().map(\.0) == state.map(\.0))
    }

    @Test("stateDict lists parameters then buffers per module, sharing the model's values")
    func stateDictOrder() {
        let net = Sequential(Linear(3, 2), ReLU(), Linear(2, 1))
        let state = net.stateDict()
        #expect(state.map(\.0) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(state.allSatisfy { !$0.1.requiresGrad })
        state[1].1.fill(3)
        #expect(net[0, as: Linear.self].bias!.floats() == [3, 3])
    }

    @Test("Save and load round trip: a clone loaded from the state dict gives identical outputs")
    func roundTrip() throws {
        let net = Sequential(Linear(20, 256), ReLU(), Linear(256, 10))
        let clone = Sequential(Linear(20, 256), ReLU(), Linear(256, 10))
        let x = Tensor.rand([2, 20])
        #expect(clone(x).doubles() != net(x).doubles())
        try clone.loadStateDict(net.stateDict())
        #expect(clone(x).doubles() == net(x).doubles())
        // Loaded values are copies: changing the source afterwards leaves the clone alone.
        net[0, as: Linear.self].weight.data.fill(0)
        #expect(clone(x).doubles() != net(x).doubles())
    }

    @Test("Loading converts each value to the model's dtype, in place")
    func loadConvertsDType() throws {
        let net = Sequential(Linear(2, 2))
        let w = Tensor([1, 2, 3, 4], shape: [2, 2], dtype: .float64)
        try net.loadStateDict(["0.weight": w, "0.bias": Tensor([0.5, -0.5], dtype: .float64)])
        #expect(net[0, as: Linear.self].weight.dtype == .float32)
        #expect(net[0, as: Linear.self].weight.floats() == [1, 2, 3, 4])
        #expect(net[0, as: Linear.self].weight.requiresGrad)
    }

    @Test("Missing, unexpected and mis-shaped keys: PyTorch's message, and the model is unchanged")
    func loadErrors() throws {
        let net = Sequential(Linear(4, 2))
        let before = net.stateDict().map { $0.1.doubles() }
        let bad: [(String, Tensor)] = [("0.weight", Tensor.zeros([3, 4])), ("1.weight", Tensor.zeros([1])), ("extra", Tensor.zeros([1]))]
        let error = try #require(throws: StateDictError.self) { try net.loadStateDict(bad) }
        #expect(error.description == pytorchMessage("load_error_all"))
        #expect(error.missingKeys == ["0.bias"] && error.unexpectedKeys == ["1.weight", "extra"])
        #expect(error.sizeMismatches == [.init(key: "0.weight", checkpointShape: [3, 4], modelShape: [2, 4])])
        #expect(error.localizedDescription == error.description)
        #expect(net.stateDict().map { $0.1.doubles() } == before)

        let missing = try #require(throws: StateDictError.self) {
            try net.loadStateDict([("0.weight", Tensor.zeros([2, 4]))])
        }
        #expect(missing.description == pytorchMessage("load_error_missing"))
        #expect(net.stateDict().map { $0.1.doubles() } == before)
    }

    @Test("Non-strict loading returns the missing and unexpected keys but still rejects mis-shapes")
    func nonStrict() throws {
        let net = Sequential(Linear(4, 2))
        let sizeError = try #require(throws: StateDictError.self) {
            try net.loadStateDict([("0.weight", Tensor.zeros([3, 4])), ("0.bias", Tensor.zeros([2]))], strict: false)
        }
        #expect(sizeError.description == pytorchMessage("load_error_size_nonstrict"))
        let bias = net[0, as: Linear.self].bias!.doubles()
        let result = try net.loadStateDict([("0.weight", Tensor.ones([2, 4])), ("junk", Tensor.zeros([1]))], strict: false)
        #expect(result.missingKeys == (fixture["nonstrict_missing"] as? [String]))
        #expect(result.unexpectedKeys == (fixture["nonstrict_unexpected"] as? [String]))
        #expect(net[0, as: Linear.self].weight.doubles().allSatisfy { $0 == 1 })
        #expect(net[0, as: Linear.self].bias!.doubles() == bias)
    }

    @Test("Duplicate keys in a state-dict list are an error")
    func duplicates() throws {
        let net = Sequential(Linear(1, 1))
        let error = try #require(throws: StateDictError.self) {
            try net.loadStateDict([("0.weight", Tensor.zeros([1, 1])), ("0.bias", Tensor.zeros([1])), ("0.bias", Tensor.ones([1]))])
        }
        #expect(error.duplicateKeys == ["0.bias"] && error.description.contains("Duplicate key(s) in state_dict: \"0.bias\""))
    }

    @Test("Loading into an uninitialised lazy model materialises it from the checkpoint's shapes")
    func lazyLoad() throws {
        let trained = Sequential(Linear(8, 16), ReLU(), Linear(16, 4))
        let lazy = Sequential(LazyLinear(16), ReLU(), LazyLinear(4))
        let weight = lazy[0, as: Linear.self].weight
        try lazy.loadStateDict(trained.stateDict())
        #expect(lazy[0, as: Linear.self].weight === weight && weight.shape == [16, 8])
        #expect(lazy.description == trained.description)
        let x = Tensor.rand([3, 8])
        #expect(lazy(x).doubles() == trained(x).doubles())

        let wrongOut = Sequential(LazyLinear(5), ReLU(), LazyLinear(4))
        let error = try #require(throws: StateDictError.self) { try wrongOut.loadStateDict(trained.stateDict()) }
        #expect(error.sizeMismatches.map(\.key) == ["0.weight", "0.bias"])
        #expect(error.description.contains("size mismatch for 0.weight: copying a param with shape [16, 8] from checkpoint, the shape in current model is [5, -1]."))
        #expect(wrongOut.hasUninitializedParameters)
    }

    @Test("A shared parameter is listed under each name and loads from either")
    func sharedState() throws {
        let shared = Linear(2, 2)
        let net = Sequential(shared, ReLU(), shared)
        #expect(net.stateDict().map(\.0) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(net.namedParameters().map(\.0) == ["0.weight", "0.bias"])
        let source = Sequential(Linear(2, 2), ReLU(), Linear(2, 2))
        let state = source.stateDict()
        try net.loadStateDict(state)
        #expect(shared.weight.doubles() == state[0].1.doubles())
    }

    @Test("Buffers: persistent ones are saved after the module's parameters and loaded back")
    func buffers() throws {
        final class Normaliser: Module {
            let linear = Linear(2, 2)
            let scale = Parameter(Tensor.ones([2]))
            override init() {
                super.init()
                registerBuffer(Tensor.zeros([2]), named: "running_mean")
                registerBuffer(Tensor.zeros([2]), named: "cache", persistent: false)
            }
            override func forward(_ x: Tensor) -> Tensor { linear(x - buffer("running_mean")!) * scale }
        }
        let m = Normaliser()
        #expect(m.stateDict().map(\.0) == ["scale", "running_mean", "linear.weight", "linear.bias"])
        #expect(m.parameters().count == 3)
        let other = Normaliser()
        other.buffer("running_mean")!.fill(2)
        try m.loadStateDict(other.stateDict())
        #expect(m.buffer("running_mean")!.floats() == [2, 2])
        let x = Tensor.rand([1, 2])
        #expect(m(x).doubles() == other(x).doubles())
    }
}
