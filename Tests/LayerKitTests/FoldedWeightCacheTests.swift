import Testing
@testable import LayerKit

/// `quadraticForm` keeps the folded weight `W_ij + W_ji` with the weight's buffer; these tests
/// check that it is reused while the weight is unchanged and recomputed after every kind of write,
/// through OpenBLAS (`kernel` false: the transposed fold) and through LayerKit's own forward
/// kernel (`kernel` true: the panel-packed fold).
@Suite("FoldedWeightCacheTests")
struct FoldedWeightCacheTests {
    /// A one-parameter layer over `quadraticForm`, so optimisers and state dicts see the weight.
    final class Quadratic: Module {
        let weight: Parameter
        init(_ i: Int, _ k: Int, dtype: DType = .float32, seed: UInt64) {
            weight = Parameter(Tensor.randn([i, i, k], dtype: dtype, generator: Generator(seed: seed)))
            super.init()
        }
        override func forward(_ x: Tensor) -> Tensor { x.quadraticForm(weight) }
    }

    /// `y` from the full outer-product GEMM over copies of `x` and `w` (fresh buffers, no fold).
    func reference(_ x: Tensor, _ w: Tensor) -> Tensor {
        withNoGrad {
            let (b, i, k) = (x.shape[0], x.shape[1], w.shape[2])
            let x64 = x.detach().to(.float64).clone(), w64 = w.detach().to(.float64).clone()
            return (x64.reshape([b, i, 1]) * x64.reshape([b, 1, i])).reshape([b, i * i]).matmul(w64.reshape([i * i, k]))
        }
    }

    /// Whether `w`'s buffer holds the folded weight a forward without grad uses, for its current contents.
    func holdsFold(_ w: Tensor) -> Bool {
        let kernel = KernelStrategy.quadraticTile(outputs: w.shape[2]) && w.dtype == .float32
        return w.storage.hasDerived(DerivedKey(kernel ? "quadraticForm.panels" : "quadraticForm.fold", [w.shape[0], w.shape[2]]))
    }

    /// Runs `body` with the tile kernel on or off (on only where the CPU has AVX-512: elsewhere
    /// both runs take the OpenBLAS path).
    func with(kernel: Bool, _ body: () throws -> Void) rethrows {
        try withKernels(KernelStrategy.Overrides(quadraticTile: kernel), body)
    }

    /// Whether this CPU runs the tile kernel.
    static let tileKernel = SIMDLevel.cpu >= .avx512

    /// The forward without grad agrees with the reference, and leaves the fold cached.
    func expectCurrent(_ x: Tensor, _ w: Tensor, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let y = withNoGrad { x.quadraticForm(w) }
        let want = reference(x, w)
        #expect(allClose(y, want, rtol: 1e-4, atol: 1e-4), "after \(what): max diff \(maxDiff(y, want))",
                sourceLocation: sourceLocation)
        #expect(holdsFold(w), "after \(what): the fold is not cached", sourceLocation: sourceLocation)
    }

    @Test("A repeated forward reuses the folded weight; reading the weight's values, cloning and saving it keep it",
          arguments: [false, true])
    func reusedWhileUnchanged(kernel: Bool) { with(kernel: kernel) {
        let layer = Quadratic(6, 3, seed: 1)
        let x = Tensor.randn([4, 6], generator: Generator(seed: 2))
        let w = layer.weight.storage
        let q = QuadraticForm<Float>(b: 4, i: 6, k: 3)
        let fold = { kernel ? q.panelWeight(w) : q.foldedWeight(w) }
        #expect(!holdsFold(layer.weight))
        expectCurrent(x, layer.weight, "a first forward")
        let first = fold()
        #expect(fold() === first)
        _ = layer.weight.floats()
        _ = layer.weight.doubles()
        _ = layer.weight[flat: 3]
        _ = layer.weight.clone()
        _ = layer.stateDict()
        _ = try? Safetensors.encode(layer.stateDict())
        _ = withNoGrad { x.quadraticForm(layer.weight) }
        x.requiresGrad = true
        x.quadraticForm(layer.weight).sum().backward()
        #expect(fold() === first, "reads and a backward must not drop the fold")
        // A write drops it, and the next fold is a new buffer (the old one may still be saved for a backward).
        layer.weight.storage.pointer(Float.self)[5] += 1
        #expect(!holdsFold(layer.weight))
        #expect(fold() !== first)
        expectCurrent(x, layer.weight, "a write through the storage's pointer")
    } }

    @Test("An optimiser step refreshes the folded weight", arguments: ["SGD", "SGD momentum", "Adam", "AdamW"], [false, true])
    func optimiserStep(name: String, kernel: Bool) { with(kernel: kernel) {
        let layer = Quadratic(5, 4, seed: 3)
        let x = Tensor.randn([3, 5], generator: Generator(seed: 4))
        let optimiser: any Optimizer = switch name {
        case "SGD": SGD(layer.parameters(), lr: 0.1)
        case "SGD momentum": SGD(layer.parameters(), lr: 0.1, momentum: 0.9)
        case "Adam": Adam(layer.parameters(), lr: 0.1)
        default: AdamW(layer.parameters(), lr: 0.1)
        }
        for step in 0..<3 {
            expectCurrent(x, layer.weight, "\(name) step \(step)")
            optimiser.zeroGrad()
            let y = layer(x)
            #expect(allClose(y, reference(x, layer.weight), rtol: 1e-4, atol: 1e-4), "recorded forward, \(name) step \(step)")
            (y * y).sum().backward()
            let before = layer.weight.detach().clone()
            optimiser.step()
            #expect(!allClose(before, layer.weight), "the step must change the weight for this test to mean anything")
            #expect(!holdsFold(layer.weight))
        }
        expectCurrent(x, layer.weight, "the last \(name) step")
    } }

    @Test("Loading a state dict refreshes the folded weight", arguments: [false, true])
    func stateDictLoad(kernel: Bool) throws { try with(kernel: kernel) {
        let layer = Quadratic(4, 2, seed: 5), other = Quadratic(4, 2, seed: 6)
        let x = Tensor.randn([3, 4], generator: Generator(seed: 7))
        expectCurrent(x, layer.weight, "a first forward")
        try layer.loadStateDict(other.stateDict())
        #expect(allClose(layer.weight, other.weight))
        expectCurrent(x, layer.weight, "loadStateDict")
        // From a float64 state dict (converted on the way in).
        try layer.loadStateDict(["weight": Tensor.randn([4, 4, 2], dtype: .float64, generator: Generator(seed: 8))])
        expectCurrent(x, layer.weight, "loadStateDict from float64")
    } }

    @Test("In-place writes refresh the folded weight", arguments: [
        "copy(from:)", "fill", "fill(0)", "addInPlace", "subInPlace", "mulInPlace", "subscript(flat:)",
        "Init.normal", "Init.uniform", "Init.constant", "Init.zeros", "Init.xavierUniform",
    ], [false, true])
    func inPlaceWrites(op: String, kernel: Bool) { with(kernel: kernel) {
        let w = Tensor.randn([5, 5, 3], generator: Generator(seed: 9))
        let x = Tensor.randn([4, 5], generator: Generator(seed: 10))
        let other = Tensor.randn([5, 5, 3], generator: Generator(seed: 11))
        let generator = Generator(seed: 12)
        for round in 0..<2 {
            expectCurrent(x, w, "round \(round) before \(op)")
            switch op {
            case "copy(from:)": w.copy(from: other + Double(round))
            case "fill": w.fill(0.25 + Double(round))
            case "fill(0)": w.fill(Double(round))
            case "addInPlace": w.addInPlace(other)
            case "subInPlace": w.subInPlace(Tensor.randn([5, 1, 3], generator: generator))
            case "mulInPlace": w.mulInPlace(other)
            case "subscript(flat:)": w[flat: 7 + round] = 3 + Double(round)
            case "Init.normal": Init.normal(w, generator: generator)
            case "Init.uniform": Init.uniform(w, low: -1, high: 1, generator: generator)
            case "Init.constant": Init.constant(w, -0.5 - Double(round))
            case "Init.zeros": Init.zeros(w); w[flat: round] = 1
            default: Init.xavierUniform(w, generator: generator)
            }
            #expect(!holdsFold(w), "\(op) must drop the fold")
            expectCurrent(x, w, "\(op) in round \(round)")
        }
    } }

    @Test("gradCheck's perturbations of a weight whose fold is cached are seen (float64)", arguments: [(4, 5, 3), (3, 7, 2)])
    func gradCheckPerturbations(b: Int, i: Int, k: Int) throws {
        let x = randomInput([b, i], seed: 13), w = randomInput([i, i, k], seed: 14)
        _ = withNoGrad { x.quadraticForm(w) }
        #expect(holdsFold(w), "the fold must be cached before the check for this test to mean anything")
        let report = try gradCheck([x, w]) { $0[0].quadraticForm($0[1]) }
        #expect(report.passed, "\(report)")
        // The same through a layer whose weight the closure reads directly (gradCheck perturbs it in place).
        let layer = Quadratic(i, k, dtype: .float64, seed: 15)
        _ = withNoGrad { layer(x) }
        let viaLayer = try gradCheck([x, layer.weight]) { layer($0[0]) }
        #expect(viaLayer.passed, "\(viaLayer)")
        expectCurrent(x, layer.weight, "gradCheck (restored weight)")
    }

    @Test("One buffer viewed with two weight shapes gets the fold of the shape asked for", arguments: [false, true])
    func twoShapesOneBuffer(kernel: Bool) { with(kernel: kernel) {
        let w = Tensor.randn([4, 4, 2], generator: Generator(seed: 16))
        let v = w.reshape([2, 2, 8])
        #expect(v.storage === w.storage)
        let x4 = Tensor.randn([3, 4], generator: Generator(seed: 17)), x2 = Tensor.randn([3, 2], generator: Generator(seed: 18))
        for _ in 0..<2 {
            expectCurrent(x4, w, "the [4, 4, 2] view")
            expectCurrent(x2, v, "the [2, 2, 8] view")
        }
    } }

    @Test("A fold saved for a backward is not changed by a later write to the weight", arguments: [false, true])
    func savedFoldSurvivesWrites(kernel: Bool) { with(kernel: kernel) {
        let w = Tensor.randn([5, 5, 2], generator: Generator(seed: 19))
        let x = Tensor.randn([3, 5], generator: Generator(seed: 20))
        x.requiresGrad = true
        x.quadraticForm(w).sum().backward()
        let want = x.grad!.clone()
        x.zeroGrad()
        let y = x.quadraticForm(w)
        // The write drops the cached fold; the next forward folds into a new buffer, so the
        // recorded backward still has the fold its forward used.
        w.fill(7)
        _ = withNoGrad { x.quadraticForm(w) }
        y.sum().backward()
        #expect(allClose(x.grad!, want), "dx from the fold the forward used: max diff \(maxDiff(x.grad!, want))")
    } }

    @Test("The forward kernel agrees with the full outer-product GEMM and with the OpenBLAS path, values and gradients",
          arguments: [(32, 128, 128), (64, 32, 16), (3, 7, 5), (9, 5, 33), (1, 1, 1), (8, 4, 64), (17, 40, 70), (5, 9, 32), (1, 2, 96),
                     (256, 64, 64), (130, 9, 64)])
    func kernelMatchesBLAS(b: Int, i: Int, k: Int) {
        let x = Tensor.randn([b, i], generator: Generator(seed: 21)), w = Tensor.randn([i, i, k], generator: Generator(seed: 22))
        let g = Tensor.randn([b, k], generator: Generator(seed: 23))
        let want = reference(x, w)
        var grads: [[Tensor]] = []
        for kernel in [false, true] {
            with(kernel: kernel) {
                let y = withNoGrad { x.quadraticForm(w) }
                #expect(allClose(y, want, rtol: 1e-4, atol: 1e-4 * Double(i)), "kernel \(kernel): max diff \(maxDiff(y, want))")
                let xg = x.clone(), wg = w.clone()
                xg.requiresGrad = true
                wg.requiresGrad = true
                let yg = xg.quadraticForm(wg)
                #expect(allClose(yg, want, rtol: 1e-4, atol: 1e-4 * Double(i)), "kernel \(kernel), recorded: max diff \(maxDiff(yg, want))")
                (yg * g).sum().backward()
                grads.append([xg.grad!, wg.grad!])
            }
        }
        // Float32 sums in different orders: the tolerance of QuadraticFormTests' large shapes.
        let scale = Double(i)
        #expect(allClose(grads[0][0], grads[1][0], rtol: 1e-4, atol: 1e-4 * scale), "dx: \(maxDiff(grads[0][0], grads[1][0]))")
        #expect(allClose(grads[0][1], grads[1][1], rtol: 1e-4, atol: 1e-4 * scale), "dW: \(maxDiff(grads[0][1], grads[1][1]))")
    }

    @Test("The forward kernel's values and gradients match the einsum definition (float32)")
    func kernelMatchesEinsum() {
        with(kernel: true) {
            for (n, (b, i, k)) in QuadraticFormTests.shapes.prefix(6).enumerated() {
                let (x, w, g, want) = EinsumReference.randomCase(b: b, i: i, k: k, dtype: .float32, seed: UInt64(60 + n))
                let y = x.quadraticForm(w)
                #expect(allClose(y, want.y, rtol: 1e-4, atol: 1e-4), "\(x.shape)·\(w.shape): max diff \(maxDiff(y, want.y))")
                let unrecorded = withNoGrad { x.quadraticForm(w) }
                #expect(allClose(unrecorded, want.y, rtol: 1e-4, atol: 1e-4), "no grad: max diff \(maxDiff(unrecorded, want.y))")
                (y * g).sum().backward()
                #expect(allClose(x.grad!, want.dx, rtol: 1e-4, atol: 1e-4), "dx \(x.shape): max diff \(maxDiff(x.grad!, want.dx))")
                #expect(allClose(w.grad!, want.dw, rtol: 1e-4, atol: 1e-4), "dW \(w.shape): max diff \(maxDiff(w.grad!, want.dw))")
            }
        }
    }

    // MARK: The input gradient through the tile kernel (the pair-panel fold)

    /// The key of the buffer holding the pair-panel and column-panel folds (a recorded forward
    /// through the kernel with an input gradient).
    func pairPanelsKey(_ w: Tensor) -> DerivedKey { DerivedKey("quadraticForm.pairPanels+panels", [w.shape[0], w.shape[2]]) }

    @Test("The input gradient's M = g·Sᵀ through the tile kernel agrees with the OpenBLAS product over Sᵀ",
          .enabled(if: tileKernel, "the tile kernel needs a CPU with AVX-512"),
          arguments: [(1, 19, 40), (9, 13, 33), (32, 128, 128), (5, 9, 64), (8, 8, 1), (3, 40, 70), (17, 2, 3), (256, 64, 64), (1, 1, 32)])
    func inputGradientPanelsMatchBLAS(b: Int, i: Int, k: Int) {
        let x = Tensor.randn([b, i], generator: Generator(seed: 31)), w = Tensor.randn([i, i, k], generator: Generator(seed: 32))
        let g = Tensor.randn([b, k], generator: Generator(seed: 33))
        let q = QuadraticForm<Float>(b: b, i: i, k: k)
        let unused = Storage(dtype: .float32, count: 1)
        let viaBLAS = Tensor.zeros([b, i]), viaKernel = Tensor.zeros([b, i])
        q.backward(g.storage, x.storage, .transposed(q.foldedWeight(w.storage)), unused, dx: viaBLAS.storage, dw: nil)
        q.backward(g.storage, x.storage, .pairPanels(q.pairAndColumnPanels(w.storage).folds), unused, dx: viaKernel.storage, dw: nil)
        #expect(allClose(viaKernel, viaBLAS, rtol: 1e-4, atol: 1e-4 * Double(i)), "dx: max diff \(maxDiff(viaKernel, viaBLAS))")
        // And M itself, padding included: pairs past P and rows past B of the padded g are zero.
        let (m, ld) = QuadraticTiles(b: b, i: i, k: k).inputGradient(g.storage, q.pairAndColumnPanels(w.storage).folds)
        #expect(ld % 32 == 0 && ld >= q.p && ld < q.p + 32)
        let mt = Tensor(storage: m, shape: [q.paddedRows, ld])
        let folded = Tensor(storage: q.foldedWeight(w.storage), shape: [k, q.p])
        let want = withNoGrad { g.to(.float64).matmul(folded.to(.float64)) }
        let got = mt.narrow(axis: 0, start: 0, length: b).narrow(axis: 1, start: 0, length: q.p).to(.float64)
        #expect(allClose(got, want, rtol: 1e-4, atol: 1e-4), "M: max diff \(maxDiff(got, want))")
        let pastP = mt.narrow(axis: 1, start: q.p, length: ld - q.p), pastB = mt.narrow(axis: 0, start: b, length: q.paddedRows - b)
        #expect(pastP.to(.float64).abs().sum().item() == 0, "M's columns past P must be zero")
        #expect(pastB.to(.float64).abs().sum().item() == 0, "M's rows past B must be zero")
    }

    @Test("The tile kernel's values and gradients match the einsum definition at ragged shapes, and the OpenBLAS path's",
          arguments: [false, true])
    func raggedShapesMatchEinsum(kernel: Bool) {
        with(kernel: kernel) {
            for (n, (b, i, k)) in QuadraticFormTests.shapes.suffix(7).enumerated() {
                let (x, w, g, want) = EinsumReference.randomCase(b: b, i: i, k: k, dtype: .float32, seed: UInt64(80 + n))
                let tol = 1e-4 * Double(x.shape[1])
                let y = x.quadraticForm(w)
                #expect(w.storage.hasDerived(pairPanelsKey(w)) == (kernel && FoldedWeightCacheTests.tileKernel), "\(x.shape)·\(w.shape): the path asked for")
                #expect(allClose(y, want.y, rtol: 1e-4, atol: tol), "\(x.shape)·\(w.shape): max diff \(maxDiff(y, want.y))")
                (y * g).sum().backward()
                #expect(allClose(x.grad!, want.dx, rtol: 1e-4, atol: tol), "dx \(x.shape)·\(w.shape): max diff \(maxDiff(x.grad!, want.dx))")
                #expect(allClose(w.grad!, want.dw, rtol: 1e-4, atol: tol), "dW \(x.shape)·\(w.shape): max diff \(maxDiff(w.grad!, want.dw))")
            }
        }
    }

    @Test("A write to the weight drops the pair-panel fold, and the next input gradient uses the new weight",
          .enabled(if: tileKernel, "the tile kernel needs a CPU with AVX-512"),
          arguments: ["pointer", "fill", "subscript(flat:)", "copy(from:)", "SGD"])
    func pairPanelsRefreshed(write: String) { with(kernel: true) {
        let layer = Quadratic(11, 33, seed: 34)
        let x = Tensor.randn([9, 11], generator: Generator(seed: 35)), g = Tensor.randn([9, 33], generator: Generator(seed: 36))
        let optimiser = SGD(layer.parameters(), lr: 0.1)
        func inputGradient() -> Tensor {
            let xg = x.clone()
            xg.requiresGrad = true
            (layer(xg) * g).sum().backward()
            return xg.grad!
        }
        func referenceGradient() -> Tensor {
            let x64 = x.to(.float64).clone(), w64 = layer.weight.detach().to(.float64).clone()
            x64.requiresGrad = true
            (x64.quadraticForm(w64) * g.to(.float64)).sum().backward()
            return x64.grad!
        }
        for round in 0..<2 {
            let dx = inputGradient()
            #expect(layer.weight.storage.hasDerived(pairPanelsKey(layer.weight)), "round \(round): the kernel path must have run")
            #expect(allClose(dx, referenceGradient(), rtol: 1e-4, atol: 1e-3), "round \(round): max diff \(maxDiff(dx, referenceGradient()))")
            let before = layer.weight.detach().clone()
            switch write {
            case "pointer": layer.weight.storage.pointer(Float.self)[40 + round] += 1
            case "fill": layer.weight.fill(0.5 + Double(round))
            case "subscript(flat:)": layer.weight[flat: 7 + round] = 3 + Double(round)
            case "copy(from:)": layer.weight.copy(from: Tensor.randn([11, 11, 33], generator: Generator(seed: 37 + UInt64(round))))
            default: optimiser.step()
            }
            #expect(!allClose(before, layer.weight), "the write must change the weight for this test to mean anything")
            #expect(!layer.weight.storage.hasDerived(pairPanelsKey(layer.weight)), "\(write) must drop the pair-panel fold")
            layer.weight.zeroGrad()
        }
        #expect(allClose(inputGradient(), referenceGradient(), rtol: 1e-4, atol: 1e-3), "after the last \(write)")
    } }

    @Test("With only the weight requiring grad, the kernel path builds no fold for an input gradient and dW is right")
    func weightGradientOnly() { with(kernel: true) {
        let x = Tensor.randn([6, 10], generator: Generator(seed: 38)), w = Tensor.randn([10, 10, 32], generator: Generator(seed: 39))
        w.requiresGrad = true
        x.quadraticForm(w).sum().backward()
        #expect(!w.storage.hasDerived(pairPanelsKey(w)))
        let w64 = w.detach().to(.float64).clone()
        w64.requiresGrad = true
        x.to(.float64).quadraticForm(w64).sum().backward()
        #expect(allClose(w.grad!, w64.grad!, rtol: 1e-4, atol: 1e-4), "dW: max diff \(maxDiff(w.grad!, w64.grad!))")
    } }

    @Test("A float64 gradCheck passes with the kernel switched on (float64 keeps the OpenBLAS path)", arguments: [(3, 5, 4), (1, 9, 33)])
    func gradCheckWithKernelOn(b: Int, i: Int, k: Int) throws { try with(kernel: true) {
        let x = randomInput([b, i], seed: 40), w = randomInput([i, i, k], seed: 41)
        let report = try gradCheck([x, w]) { $0[0].quadraticForm($0[1]) }
        #expect(report.passed, "\(report)")
    } }
}
