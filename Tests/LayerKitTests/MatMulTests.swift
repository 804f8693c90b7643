import Testing
@testable import LayerKit

@Suite("Matrix products")
struct MatMulTests {
    @Test("matmul matches numpy for 1-D, 2-D and broadcast batches", arguments: 0..<7)
    func matchesNumpy(caseIndex: Int) throws {
        let cases = try #require(try loadFixture("core")["matmul"] as? [[String: Any]])
        let a = try fixtureTensor(cases[caseIndex]["a"]), b = try fixtureTensor(cases[caseIndex]["b"])
        let want = try fixtureTensor(cases[caseIndex]["out"])
        let got = a.matmul(b)
        #expect(allClose(got, want, rtol: 1e-10, atol: 1e-12), "shapes \(a.shape)·\(b.shape): got \(got.shape)")
        let f32 = a.float().matmul(b.float())
        #expect(f32.dtype == .float32 && allClose(f32, want, rtol: 1e-4, atol: 1e-5))
        let report = try gradCheck([a, b]) { $0[0].matmul($0[1]) }
        #expect(report.passed, "\(a.shape)·\(b.shape): \(report)")
    }

    @Test("linear is x·Wᵀ + b with weight [out, in]")
    func linear() throws {
        let l = try #require(try loadFixture("core")["linear"] as? [String: Any])
        let x = try fixtureTensor(l["x"]), w = try fixtureTensor(l["w"]), b = try fixtureTensor(l["b"])
        #expect(allClose(Tensor.linear(x, weight: w, bias: b), try fixtureTensor(l["out"]), rtol: 1e-12))
        #expect(allClose(Tensor.linear(x, weight: w, bias: nil), x.matmul(w.T), rtol: 1e-12))
        let report = try gradCheck([x, w, b]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }
        #expect(report.passed, "\(report)")
        let batched = randomInput([2, 4, 3], seed: 5)
        let r2 = try gradCheck([batched, w]) { Tensor.linear($0[0], weight: $0[1], bias: nil) }
        #expect(r2.passed, "\(r2)")
    }

    @Test("Transpose and outer product")
    func transposeOuter() throws {
        let m: Tensor = [[1, 2, 3], [4, 5, 6]]
        #expect(m.T.shape == [3, 2] && m.T.floats() == [1, 4, 2, 5, 3, 6])
        let o = Tensor([1, 2]).outer(Tensor([3, 4, 5]))
        #expect(o.shape == [2, 3] && o.floats() == [3, 4, 5, 6, 8, 10])
    }

    @Test("Transpose flags give the same product as explicit transposes, with gradients",
          arguments: [(false, false), (true, false), (false, true), (true, true)])
    func transposeFlags(flags: (Bool, Bool)) throws {
        let (ta, tb) = flags
        let a = randomInput(ta ? [4, 3] : [3, 4], seed: 21), b = randomInput(tb ? [5, 4] : [4, 5], seed: 22)
        let want = (ta ? a.T : a).matmul(tb ? b.T : b)
        #expect(allClose(a.matmul(b, transposeSelf: ta, transposeOther: tb), want, rtol: 1e-12))
        let report = try gradCheck([a, b]) { $0[0].matmul($0[1], transposeSelf: ta, transposeOther: tb) }
        #expect(report.passed, "\(report)")
        let batched = randomInput(ta ? [2, 4, 3] : [2, 3, 4], seed: 23)
        let r2 = try gradCheck([batched, b]) { $0[0].matmul($0[1], transposeSelf: ta, transposeOther: tb) }
        #expect(r2.passed, "\(r2)")
    }

    @Test("Products split into blocks of rows or columns over LayerKit's threads equal the float64 product, in every layout",
          arguments: [(300, 20, 100), (20, 300, 100), (64, 257, 33)])
    func productSplit(shape: (Int, Int, Int)) throws {
        let (m, n, k) = shape
        // Blocks along C's longer side: rows when m ≥ n, columns otherwise.
        let split = KernelStrategy.Overrides(skinnyProduct: false, productSplit: true)
        withKernels(split) {
            let expected: KernelStrategy.ProductSplit = Parallelism.threadCount < 2 ? .whole
                : m >= n ? .rows(Swift.min(Parallelism.threadCount, m / 16)) : .columns(Swift.min(Parallelism.threadCount, n / 16))
            #expect(KernelStrategy.productSplit(m: m, n: n, k: k) == expected)
        }
        #expect(withKernels(KernelStrategy.Overrides(productSplit: false)) { KernelStrategy.productSplit(m: m, n: n, k: k) } == .whole)
        for dtype in [DType.float32, .float64] {
            let g = Generator(seed: 31)
            let tol = dtype == .float32 ? 1e-4 : 1e-12
            let a = Tensor.randn([m, k], dtype: dtype, generator: g), w = Tensor.randn([n, k], dtype: dtype, generator: g)
            let want = a.to(.float64).matmul(w.T.to(.float64))
            for (ta, tb) in [(false, true), (false, false), (true, false), (true, true)] {
                let lhs = ta ? a.T : a, rhs = tb ? w : w.T
                let product = withKernels(split) { lhs.matmul(rhs, transposeSelf: ta, transposeOther: tb) }
                #expect(allClose(product, want, rtol: tol, atol: tol), "\(dtype) transA \(ta) transB \(tb): \(maxDiff(product, want))")
            }
            // Linear: x·Wᵀ + b, the bias tiled into the output first (β = 1).
            let bias = Tensor.randn([n], dtype: dtype, generator: g)
            let y = withKernels(split) { Tensor.linear(a, weight: w, bias: bias) }
            #expect(allClose(y, want + bias.to(.float64), rtol: tol, atol: tol), "linear \(dtype)")
        }
    }

    @Test("x·Wᵀ with at most 16 outputs equals the float64 product at every SIMD level (the skinny kernel from AVX2 up), and follows a changed W",
          arguments: [(300, 100, 10), (5, 3, 1), (17, 64, 16), (8, 1, 7), (1, 33, 2)], testedLevels)
    func skinnyKernel(shape: (Int, Int, Int), level: SIMDLevel) {
        let (m, k, n) = shape
        let g = Generator(seed: UInt64(m * 1000 + k * 10 + n))
        let x = Tensor.randn([m, k], generator: g), w = Tensor.randn([n, k], generator: g), b = Tensor.randn([n], generator: g)
        let want = x.to(.float64).matmul(w.T.to(.float64))
        atLevel(level) {
            #expect(KernelStrategy.skinnyProduct(n: n, k: k, lda: k, ldb: k) == (level >= .avx2))
            #expect(allClose(x.matmul(w, transposeSelf: false, transposeOther: true), want, rtol: 1e-5, atol: 1e-5))
            #expect(allClose(Tensor.linear(x, weight: w, bias: b), want + b.to(.float64), rtol: 1e-5, atol: 1e-5))
            // The padded Wᵀ is cached with W's buffer; a write to W must be seen by the next product.
            withNoGrad { w.mulInPlace(Tensor(scalar: -2)) }
            #expect(allClose(Tensor.linear(x, weight: w, bias: nil), want * -2, rtol: 1e-5, atol: 1e-5))
            #expect(!KernelStrategy.skinnyProduct(n: 17, k: k, lda: k, ldb: k))
        }
    }

    @Test("A custom function records one node and its backward is checked")
    func customFunction() throws {
        let x = randomInput([3], seed: 30)
        let square: ([Tensor]) -> Tensor = { xs in
            Tensor.function("SquareBackward", xs, forward: { $0[0] * $0[0] }, backward: { g, inputs, _ in [g * inputs[0] * 2] })
        }
        let report = try gradCheck([x], square)
        #expect(report.passed, "\(report)")
        let leaf = Tensor([3], requiresGrad: true)
        let y = square([leaf])
        #expect(y.gradFnName == "SquareBackward")
        y.sum().backward()
        #expect(leaf.grad?.floats() == [6])
    }
}
