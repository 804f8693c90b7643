import Foundation
import Testing
import LayerKit

/// The README's first example, line for line, with its printed comments checked.
@Suite("README example")
struct ReadmeExampleTests {
    @Test("The README's first example runs and prints what its comments say")
    func firstExample() throws {
        let x = Tensor([1, 2, 3, 4, 5])
        #expect((x - x.mean()).description == "tensor([-2., -1.,  0.,  1.,  2.])")

        manualSeed(0)
        let w = Tensor.randn([4, 3], dtype: .float64)
        w.requiresGrad = true
        let input = Tensor.rand([2, 4], dtype: .float64)
        let loss = input.matmul(w).relu().sum()
        #expect(loss.description.hasSuffix("dtype=torch.float64, grad_fn=<SumBackward0>)"))
        loss.backward()
        #expect(w.grad!.shape == [4, 3])

        let report = try gradCheck([input, w]) { $0[0].matmul($0[1]).tanh() }
        #expect(report.passed)
    }

    @Test("The README's randomness and dtype lines print what their comments say")
    func seedsAndDtypes() {
        let a = withSeed(42) { Tensor.randn([3]) }
        #expect(a.floats() == Tensor.randn([3], generator: Generator(seed: 42)).floats())
        let labels = Tensor([3, 0, 7] as [Int])
        #expect(labels.description == "tensor([3, 0, 7])" && labels.dtype == .int64)
        let mask = labels .> 2
        #expect(mask.description == "tensor([ True, False,  True])")
    }

    @Test("The README's research-layer lines build the layers it says, with PyTorch's names")
    func researchLayers() {
        withSeed(1) {
            let bilinear = Bilinear(in1Features: 20, in2Features: 30, outFeatures: 40)   // torch.nn.Bilinear
            let y = bilinear(Tensor.randn([128, 20]), Tensor.randn([128, 30]))          // a two-input module
            #expect(y.shape == [128, 40])
            let fno = FNO1d(modes: 16, width: 64)   // fourier_1d.py's names: fc0.weight, conv0.weights1, w0.weight, …
            let names = fno.stateDict().map(\.0)
            #expect(names.prefix(2) == ["fc0.weight", "fc0.bias"] && names.contains("conv0.weights1") && names.contains("w0.weight"))
        }
    }

    @Test("The README's example is the one tested here")
    func readmeMatches() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let tested = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        for line in ["let x = Tensor([1, 2, 3, 4, 5])", "let w = Tensor.randn([4, 3], dtype: .float64)",
                     "let input = Tensor.rand([2, 4], dtype: .float64)", "let loss = input.matmul(w).relu().sum()",
                     "let report = try gradCheck([input, w]) { $0[0].matmul($0[1]).tanh() }",
                     "let a = withSeed(42) { Tensor.randn([3]) }", "let labels = Tensor([3, 0, 7] as [Int])",
                     "let mask = labels .> 2",
                     "let bilinear = Bilinear(in1Features: 20, in2Features: 30, outFeatures: 40)",
                     "let y = bilinear(Tensor.randn([128, 20]), Tensor.randn([128, 30]))",
                     "let fno = FNO1d(modes: 16, width: 64)"] {
            #expect(readme.contains(line) && tested.contains(line), "\(line)")
        }
    }
}
