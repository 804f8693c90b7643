import Testing
@testable import LayerKit

@Suite("Element-wise ops and broadcasting")
struct ElementwiseTests {
    @Test("Arithmetic with broadcasting matches numpy at every SIMD level", arguments: 0..<6, testedLevels)
    func arithmeticMatchesNumpy(caseIndex: Int, level: SIMDLevel) throws { try atLevel(level) {
        let cases = try #require(try loadFixture("core")["arith"] as? [[String: Any]])
        let c = cases[caseIndex]
        let a = try fixtureTensor(c["a"]), b = try fixtureTensor(c["b"])
        let results: [(String, Tensor)] = [
            ("add", a + b), ("sub", a - b), ("mul", a * b), ("div", a / b),
            ("maximum", Tensor.maximum(a, b)), ("minimum", Tensor.minimum(a, b)), ("pow", a.abs().pow(b)),
        ]
        for (name, got) in results {
            let want = try fixtureTensor(c[name])
            #expect(allClose(got, want, rtol: 1e-12, atol: 1e-12), "\(c["name"]!) \(name): max diff \(maxDiff(got, want))")
        }
    } }

    @Test("The element-wise C kernels give the generic loops' values, bit for bit, in every layout, dtype and SIMD level",
          arguments: [DType.float32, .float64], testedLevels)
    func elementwiseKernels(dtype: DType, level: SIMDLevel) { atLevel(level) {
        let g = Generator(seed: 50)
        // 1000 elements (above KernelStrategy.elementwiseKernelMinimum, past every vector
        // width's tail); a zero and negatives for ReLU.
        let a = Tensor.randn([10, 100], dtype: dtype, generator: g), b = Tensor.randn([10, 100], dtype: dtype, generator: g)
        a[flat: 3] = 0
        let row = Tensor.randn([100], dtype: dtype, generator: g), scalar = Tensor(scalar: 1.7, dtype: dtype)
        let layouts: [(String, Tensor, Tensor)] = [("same", a, b), ("scalar right", a, scalar), ("scalar left", scalar, b),
                                                   ("row right", a, row), ("row left", row, b)]
        func reference(_ x: Tensor, _ y: Tensor, _ f: (Double, Double) -> Double) -> [Double] {
            let shape = x.count >= y.count ? x.shape : y.shape, n = shape.reduce(1, *)
            let xs = x.doubles(), ys = y.doubles()
            return (0..<n).map { i in
                let v = f(xs[x.count == n ? i : i % x.count], ys[y.count == n ? i : i % y.count])
                return dtype == .float32 ? Double(Float(v)) : v
            }
        }
        for (layout, x, y) in layouts {
            let ops: [(String, Tensor, (Double, Double) -> Double)] = [
                ("add", x + y, dtype == .float32 ? { Double(Float($0) + Float($1)) } : { $0 + $1 }),
                ("sub", x - y, dtype == .float32 ? { Double(Float($0) - Float($1)) } : { $0 - $1 }),
                ("mul", x * y, dtype == .float32 ? { Double(Float($0) * Float($1)) } : { $0 * $1 }),
                ("div", x / y, dtype == .float32 ? { Double(Float($0) / Float($1)) } : { $0 / $1 }),
                ("relu backward", Tensor.zipMap(x, y, op: "relu", ReluGradKernel()), { $1 > 0 ? $0 : 0 }),
            ]
            for (name, got, f) in ops {
                #expect(got.doubles() == reference(x, y, f), "\(dtype) \(layout) \(name) at \(level)")
            }
        }
        #expect(a.relu().doubles() == a.doubles().map { $0 > 0 ? $0 : 0 }, "relu")
        let affine = a * 3 - 0.5, third = dtype == .float32 ? Double(Float(3)) : 3
        #expect(affine.doubles() == a.doubles().map { dtype == .float32 ? Double(Float($0) * Float(third) + Float(-0.5)) : $0 * 3 - 0.5 }, "affine")
        let filled = Tensor.zeros([1001], dtype: dtype)
        filled.fill(2.5)
        #expect(filled.doubles().allSatisfy { $0 == 2.5 }, "fill")
    } }

    @Test("Arithmetic gradients pass gradCheck for every broadcasting pattern", arguments: 0..<6)
    func arithmeticGradients(caseIndex: Int) throws {
        let cases = try #require(try loadFixture("core")["arith"] as? [[String: Any]])
        let a = try fixtureTensor(cases[caseIndex]["a"]), b = try fixtureTensor(cases[caseIndex]["b"])
        let ops: [(String, (Tensor, Tensor) -> Tensor)] = [
            ("add", { $0 + $1 }), ("sub", { $0 - $1 }), ("mul", { $0 * $1 }), ("div", { $0 / $1 }),
            ("maximum", { Tensor.maximum($0, $1) }), ("minimum", { Tensor.minimum($0, $1) }),
            ("pow", { $0.abs().pow($1) }),
        ]
        for (name, f) in ops {
            let report = try gradCheck([a, b]) { f($0[0], $0[1]) }
            #expect(report.passed, "\(name): \(report)")
        }
    }

    @Test("Unary functions match numpy and pass gradCheck")
    func unaryFunctions() throws {
        let u = try #require(try loadFixture("core")["unary"] as? [String: Any])
        let x = try fixtureTensor(u["x"])
        let ops: [(String, (Tensor) -> Tensor)] = [
            ("exp", { $0.exp() }), ("log_abs", { $0.abs().log() }), ("sqrt_abs", { $0.abs().sqrt() }),
            ("abs", { $0.abs() }), ("relu", { $0.relu() }), ("sigmoid", { $0.sigmoid() }),
            ("tanh", { $0.tanh() }), ("clamp", { $0.clamp(min: -0.5, max: 0.5) }), ("pow3", { $0.pow(3) }),
        ]
        for (name, f) in ops {
            let want = try fixtureTensor(u[name])
            #expect(allClose(f(x), want, rtol: 1e-12, atol: 1e-12), "\(name)")
            let report = try gradCheck([x]) { f($0[0]) }
            #expect(report.passed, "\(name): \(report)")
        }
    }

    @Test("Scalar operands on either side, and their gradients")
    func scalarOperands() throws {
        let x = Tensor([1, 2, 4], dtype: .float64)
        #expect((x + 1).doubles() == [2, 3, 5])
        #expect((1 + x).doubles() == [2, 3, 5])
        #expect((x - 1).doubles() == [0, 1, 3])
        #expect((1 - x).doubles() == [0, -1, -3])
        #expect((x * 2).doubles() == [2, 4, 8])
        #expect((2 * x).doubles() == [2, 4, 8])
        #expect((x / 2).doubles() == [0.5, 1, 2])
        #expect((4 / x).doubles() == [4, 2, 1])
        #expect((-x).doubles() == [-1, -2, -4])
        let fs: [(Tensor) -> Tensor] = [{ $0 + 1 }, { 1 - $0 }, { $0 * 3 }, { $0 / 3 }, { 2 / $0 }, { -$0 }, { $0.pow(0.5) }]
        for f in fs {
            let report = try gradCheck([x]) { f($0[0]) }
            #expect(report.passed, "\(report)")
        }
    }

    @Test("Mixed dtypes promote to float64; scalars keep the tensor's dtype")
    func dtypePromotion() {
        let a = Tensor([1, 2]), b = Tensor([1, 2], dtype: .float64)
        #expect((a + b).dtype == .float64)
        #expect((a + 1).dtype == .float32)
        #expect(a.double().dtype == .float64 && b.float().dtype == .float32)
    }

    @Test("Comparisons give 0/1 masks and where selects")
    func comparisonsAndWhere() throws {
        let a = Tensor([1, 5, 3], dtype: .float64), b = Tensor([2, 5, 1], dtype: .float64)
        #expect((a .< b).doubles() == [1, 0, 0])
        #expect((a .<= b).doubles() == [1, 1, 0])
        #expect((a .> b).doubles() == [0, 0, 1])
        #expect((a .>= b).doubles() == [0, 1, 1])
        #expect((a .== b).doubles() == [0, 1, 0])
        #expect((a .!= b).doubles() == [1, 0, 1])
        #expect((a .> 2).doubles() == [0, 1, 1])
        let w = Tensor.where(a .> b, a, b * 10)
        #expect(w.doubles() == [20, 50, 3])
        let report = try gradCheck([a, b]) { Tensor.where($0[0] .> 2, $0[0] * $0[1], $0[1]) }
        #expect(report.passed, "\(report)")
    }

    @Test("Softmax rows sum to one and logSoftmax is stable for large logits")
    func softmax() throws {
        let x = Tensor([1000, 1001, 1002, -5, 0, 5], shape: [2, 3], dtype: .float64)
        let s = x.softmax(axis: 1).sum(axis: 1).doubles()
        #expect(s.allSatisfy { Swift.abs($0 - 1) < 1e-12 })
        #expect(x.logSoftmax(axis: 1).doubles().allSatisfy { $0.isFinite })
        let report = try gradCheck([randomInput([2, 3], seed: 3)]) { $0[0].softmax(axis: -1) }
        #expect(report.passed, "\(report)")
    }
}
