import Testing
import Exercises

/// Exercise "Custom Layers" 1: y_k = Σ_ij W_ijk x_i x_j.
@Suite("Exercise: tensor reduction")
struct TensorReductionTests {
    @Test("Values match numpy's einsum for several shapes, with and without bias", arguments: 0..<5)
    func matchesEinsum(caseIndex: Int) throws {
        let c = try #require(try loadFixture("exercises")["reduction"] as? [[String: Any]])[caseIndex]
        let x = try fixtureTensor(c["x"]), w = try fixtureTensor(c["w"]), b = try fixtureTensor(c["b"])
        let hasBias = try #require(c["bias"] as? Bool)
        let layer = TensorReduction(inFeatures: w.shape[0], outFeatures: w.shape[2], bias: hasBias, dtype: .float64)
        layer.weight.data.copy(from: w)
        layer.bias?.data.copy(from: b)
        let want = try fixtureTensor(c["y"])
        let got = layer(x)
        #expect(got.shape == want.shape && got.allClose(want, rtol: 1e-12, atol: 1e-12), "max diff \(got.maxAbsDifference(want))")
        let f32 = TensorReduction(inFeatures: w.shape[0], outFeatures: w.shape[2], bias: hasBias)
        f32.weight.data.copy(from: w)
        f32.bias?.data.copy(from: b)
        #expect(f32(x.float()).allClose(want, rtol: 1e-4, atol: 1e-4))
    }

    @Test("gradCheck with respect to the input and the weight (and bias), including in = 1 and out = 1",
          arguments: [(3, 5, 4, false), (2, 1, 3, false), (4, 3, 1, true), (1, 1, 1, false), (2, 6, 2, true)])
    func gradients(shape: (Int, Int, Int, Bool)) throws {
        let (b, i, k, bias) = shape
        let layer = TensorReduction(inFeatures: i, outFeatures: k, bias: bias, dtype: .float64, generator: Generator(seed: UInt64(i * 10 + k)))
        let x = Tensor.randn([b, i], dtype: .float64, generator: Generator(seed: 99))
        let report = try gradCheck([x] + layer.parameters()) { layer($0[0]) }
        #expect(report.passed, "\(report)")
    }

    @Test("Leading batch axes are kept")
    func batchAxes() throws {
        let layer = TensorReduction(inFeatures: 3, outFeatures: 2, dtype: .float64, generator: Generator(seed: 1))
        let x = Tensor.randn([2, 4, 3], dtype: .float64, generator: Generator(seed: 2))
        #expect(layer(x).shape == [2, 4, 2])
        #expect(layer(x).reshape([8, 2]).allClose(layer(x.reshape([8, 3])), rtol: 1e-12))
        #expect(layer(Tensor.randn([3], dtype: .float64)).shape == [2])
        let report = try gradCheck([x, layer.weight]) { layer($0[0]) }
        #expect(report.passed, "\(report)")
    }

    @Test("The gradient formula ∂y_k/∂x_i = Σ_j (W_ijk + W_jik) x_j holds")
    func gradientFormula() {
        let layer = TensorReduction(inFeatures: 3, outFeatures: 1, dtype: .float64, generator: Generator(seed: 3))
        let x = Tensor([0.5, -1, 2], shape: [1, 3], dtype: .float64, requiresGrad: true)
        layer(x).sum().backward()
        let w = layer.weight.reshape([3, 3])
        let expected = (w + w.T).matmul(x.detach().reshape([3, 1])).reshape([1, 3])
        #expect(x.grad!.allClose(expected, rtol: 1e-12))
        #expect(layer.weight.grad!.reshape([3, 3]).allClose(x.detach().reshape([3]).outer(x.detach().reshape([3])), rtol: 1e-12))
    }

    @Test("Dropped into a Sequential and trained with SGD, the loss falls")
    func trains() {
        withSeed(11) {
            let net = Sequential(TensorReduction(inFeatures: 4, outFeatures: 3), Linear(3, 1))
            let x = Tensor.randn([64, 4])
            let target = (x * x).sum(axis: 1, keepDims: true)  // a quadratic target the layer can fit
            let losses = sgdLosses(net, x, target, lr: 0.01, steps: 60)
            #expect(losses.last! < 0.5 * losses.first!, "losses \(losses.first!) → \(losses.last!)")
        }
    }
}
