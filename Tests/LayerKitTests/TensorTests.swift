import Testing
@testable import LayerKit

@Suite("Tensor creation and conversion")
struct TensorTests {
    @Test("Literals, shapes and values")
    func literals() {
        let m: Tensor = [[1, 2, 3], [4, 5, 6]]
        #expect(m.shape == [2, 3] && m.dtype == .float32 && m.count == 6 && m.rank == 2)
        #expect(m.floats() == [1, 2, 3, 4, 5, 6])
        let s = Tensor(scalar: 2.5)
        #expect(s.shape == [] && s.item() == 2.5)
        let f: [Float] = [1.5, 2.5]
        #expect(Tensor(f).floats() == f)
        #expect(Tensor([1, 2, 3, 4], shape: [2, 2], dtype: .float64).doubles() == [1, 2, 3, 4])
    }

    @Test("Factories match numpy")
    func factories() throws {
        let core = try loadFixture("core")
        #expect(allClose(Tensor.linspace(-1, 2, steps: 7, dtype: .float64), try fixtureTensor(core["linspace"]), rtol: 1e-15))
        #expect(allClose(Tensor.arange(0.5, 3.0, step: 0.75, dtype: .float64), try fixtureTensor(core["arange"])))
        #expect(Tensor.arange(5).floats() == [0, 1, 2, 3, 4])
        #expect(Tensor.zeros([2, 2]).floats() == [0, 0, 0, 0])
        #expect(Tensor.ones([3], dtype: .float64).doubles() == [1, 1, 1])
        #expect(Tensor.full([2], 7).floats() == [7, 7])
        #expect(Tensor.eye(2, 3).floats() == [1, 0, 0, 0, 1, 0])
    }

    @Test("Seeded random tensors repeat exactly and have the right moments")
    func random() {
        let a = withSeed(42) { Tensor.randn([1000]) }
        let b = withSeed(42) { Tensor.randn([1000]) }
        #expect(a.floats() == b.floats())
        #expect(a.floats() == Tensor.randn([1000], generator: Generator(seed: 42)).floats())
        let g1 = Generator(seed: 7), g2 = Generator(seed: 7)
        #expect(Tensor.rand([5], generator: g1).floats() == Tensor.rand([5], generator: g2).floats())
        let u = Tensor.rand([20_000], dtype: .float64, generator: Generator(seed: 1))
        #expect(u.min().item() >= 0 && u.max().item() < 1)
        #expect(Swift.abs(u.mean().item() - 0.5) < 0.01)
        let n = Tensor.randn([20_000], dtype: .float64, generator: Generator(seed: 2))
        #expect(Swift.abs(n.mean().item()) < 0.03 && Swift.abs(n.variance().item() - 1) < 0.05)
    }

    @Test("Conversion between dtypes keeps values and is differentiable")
    func conversion() throws {
        let x = Tensor([0.1, 0.2], dtype: .float64)
        #expect(x.float().dtype == .float32 && x.float().double().dtype == .float64)
        #expect(x.to(.float64) === x)
        let w = Tensor([1, 2], requiresGrad: true)
        (w.double() * 3).sum().backward()
        #expect(w.grad?.dtype == .float32 && w.grad?.floats() == [3, 3])
    }

    @Test("item on a multi-element tensor stops with a message")
    func itemStops() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor([1, 2]).item()
        }
    }
}

@Suite("Shape errors stop with the op and both shapes")
struct ShapeErrorTests {
    @Test("A non-broadcastable add names the op and both shapes")
    func broadcastError() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3]) + Tensor.ones([4])
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("add") && stderr.contains("[2, 3]") && stderr.contains("[4]"), "\(stderr)")
    }

    @Test("A 2×5 by 4×3 matmul names the op and both shapes")
    func matmulError() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 5]).matmul(Tensor.ones([4, 3]))
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("matmul") && stderr.contains("2x5 and 4x3"), "\(stderr)")
    }
}
