import Testing
@testable import LayerKit

@Suite("Autograd engine")
struct AutogradTests {
    @Test("The book's first snippet: X - X.mean()")
    func centeredValues() {
        let x = Tensor([1, 2, 3, 4, 5])
        #expect((x - x.mean()).floats() == [-2, -1, 0, 1, 2])
    }

    @Test("Gradients accumulate on leaves across backward calls until zeroGrad")
    func accumulation() {
        let w = Tensor([1, 2, 3], requiresGrad: true)
        (w * w).sum().backward()
        #expect(w.grad?.floats() == [2, 4, 6])
        (w * 3).sum().backward()
        #expect(w.grad?.floats() == [5, 7, 9])
        w.zeroGrad()
        #expect(w.grad == nil)
    }

    @Test("A tensor used twice gets the sum of both paths")
    func fanOut() {
        let x = Tensor([2], requiresGrad: true)
        let y = x * x + x * 3  // dy/dx = 2x + 3 = 7
        y.sum().backward()
        #expect(x.grad?.floats() == [7])
    }

    @Test("backward with a seed gradient of the output's shape")
    func seededBackward() {
        let x = Tensor([1, 2, 3], requiresGrad: true)
        let y = x * 2
        y.backward(Tensor([1, 0.5, -1]))
        #expect(x.grad?.floats() == [2, 1, -2])
    }

    @Test("Broadcasting is undone in backward")
    func unbroadcast() {
        let b = Tensor([1, 1, 1], requiresGrad: true)
        let x = Tensor.ones([4, 3])
        (x + b).sum().backward()
        #expect(b.grad?.shape == [3] && b.grad?.floats() == [4, 4, 4])
        let s = Tensor(scalar: 2, requiresGrad: true)
        (x * s).sum().backward()
        #expect(s.grad?.shape == [] && s.grad?.item() == 12)
    }

    @Test("detach and withNoGrad record nothing")
    func detachAndNoGrad() async {
        let x = Tensor([1, 2], requiresGrad: true)
        #expect(!x.detach().requiresGrad)
        #expect((x.detach() * 2).gradFnName == nil)
        let y = withNoGrad { x * 2 }
        #expect(!y.requiresGrad)
        #expect((x * 2).gradFnName == "MulBackward0")
        // Task-local: a concurrent task is not affected by another task's no-grad scope.
        await withNoGrad {
            let inner = Task { GradMode.isEnabled }
            let detachedTask = Task.detached { GradMode.isEnabled }
            #expect(await inner.value == false)  // child tasks inherit the scope
            #expect(await detachedTask.value == true)
        }
        #expect(GradMode.isEnabled)
    }

    @Test("grad_fn names follow PyTorch")
    func gradFnNames() {
        let x = Tensor([1, 2, 3], requiresGrad: true)
        #expect(x.mean().gradFnName == "MeanBackward0")
        #expect(x.sum().gradFnName == "SumBackward0")
        #expect((x + x).gradFnName == "AddBackward0")
        #expect(x.exp().gradFnName == "ExpBackward0")
        #expect(x.relu().gradFnName == "ReluBackward0")
        #expect(x.reshape([3, 1]).matmul(x.reshape([1, 3])).gradFnName == "MmBackward0")
        #expect(x.isLeaf && !(x * 2).isLeaf)
    }

    @Test("retainGraph allows a second backward pass")
    func retainGraph() {
        let x = Tensor([3], requiresGrad: true)
        let y = (x * x).sum()
        y.backward(retainGraph: true)
        y.backward()
        #expect(x.grad?.floats() == [12])
    }

    @Test("A second backward through a freed graph stops with PyTorch's message")
    func secondBackwardStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([3], requiresGrad: true)
            let y = (x * x).sum()
            y.backward()
            y.backward()
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("backward through the graph a second time"))
    }

    @Test("The graph is released after backward: no intermediate outlives 10,000 steps")
    func graphIsReleased() {
        final class Box { weak var t: Tensor? }
        let w = Tensor.randn([8])
        w.requiresGrad = true
        var boxes: [Box] = []
        for step in 0..<10_000 {
            let hidden = (w * 2).relu()
            if step % 1000 == 0 { let b = Box(); b.t = hidden; boxes.append(b) }
            let loss = (hidden * hidden).sum()
            loss.backward()
            w.zeroGrad()
        }
        #expect(boxes.allSatisfy { $0.t == nil })
    }

    @Test("Deep chains (10,000 ops) backpropagate without overflowing the stack")
    func deepChain() {
        var x = Tensor([1], requiresGrad: true)
        let leaf = x
        for _ in 0..<10_000 { x = x + 1 }
        x.sum().backward()
        #expect(leaf.grad?.floats() == [1])
    }
}

@Suite("gradCheck")
struct GradCheckTests {
    @Test("A correct backward passes with tiny error")
    func passes() throws {
        let x = randomInput([3, 4], seed: 1), w = randomInput([4, 2], seed: 2)
        let report = try gradCheck([x, w]) { ($0[0].matmul($0[1])).tanh() }
        #expect(report.passed && report.maxAbsError < 1e-8, "\(report)")
    }

    @Test("A deliberately wrong backward fails and the report names the element")
    func wrongBackwardFails() throws {
        let x = randomInput([3], seed: 4)
        let wrong: ([Tensor]) -> Tensor = { inputs in
            let x = inputs[0]
            let out = x.detach() * x.detach()      // forward x²
            if x.requiresGrad {
                out.record("BadBackward", [x]) { g in [g * x * 3] }  // should be 2x
            }
            return out
        }
        let report = try gradCheck([x], wrong)
        #expect(!report.passed && !report.jacobianPassed)
        let worst = try #require(report.worst)
        #expect(worst.input == 0 && worst.inputIndex == worst.outputIndex)
        #expect(Swift.abs(worst.analytic - 1.5 * worst.numerical) < 1e-6)
        #expect(report.description.contains("input 0 element \(worst.inputIndex)"))
        #expect(throws: GradCheckError.self) { try gradCheck([x], raiseException: true, wrong) }
    }

    @Test("A backward that leaks a constant into a zero output gradient is caught")
    func zeroGradOutputCheck() throws {
        let x = randomInput([2], seed: 9)
        let report = try gradCheck([x]) { inputs in
            let x = inputs[0]
            let out = x.detach() * 2
            if x.requiresGrad { out.record("Leaky", [x]) { g in [g * 2 + 1e-3] } }
            return out
        }
        #expect(!report.zeroGradOutputPassed)
    }

    @Test("float32 inputs are checked as float64 copies and the report says so")
    func float32Converted() throws {
        let x = Tensor([1, 2, 3])
        let report = try gradCheck([x]) { $0[0].exp() }
        #expect(report.passed && report.convertedInputs == [0])
        #expect(x.dtype == .float32 && !x.requiresGrad)
    }
}
