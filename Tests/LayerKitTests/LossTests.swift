import Foundation
import Testing
@testable import LayerKit

/// Losses against PyTorch (fixture made by Fixtures/make_losses.py), gradient checks in
/// float64, stability with huge logits, and the stops for bad targets.
@Suite("Losses")
struct LossTests {
    private static func reduction(_ name: String) -> Reduction {
        switch name {
        case "sum": return .sum
        case "none": return .none
        default: return .mean
        }
    }

    @Test("every loss, reduction and dtype matches PyTorch's value, grad_fn and gradients")
    func matchesPyTorch() throws {
        let fixture = try loadFixture("losses")
        let cases = try #require(fixture["cases"] as? [[String: Any]])
        #expect(cases.count == 46)
        for c in cases {
            let name = try #require(c["name"] as? String), kind = try #require(c["kind"] as? String)
            let dtype: DType = (c["dtype"] as? String) == "float64" ? .float64 : .float32
            let reduction = Self.reduction(try #require(c["reduction"] as? String))
            let smoothing = try #require(c["smoothing"] as? Double)
            let label = "\(name) \(dtype)"
            let x = try fixtureTensor(c["input"], dtype: dtype)
            x.requiresGrad = true
            let target = try fixtureTensor(c["target"], dtype: dtype)
            let wantsTargetGrad = !(c["grad_target"] is NSNull) && c["grad_target"] != nil
            target.requiresGrad = wantsTargetGrad
            let out: Tensor
            switch kind {
            case "ce_index", "ce_prob":
                out = crossEntropy(x, target: target, reduction: reduction, labelSmoothing: smoothing)
            case "mse": out = mseLoss(x, target, reduction: reduction)
            case "bce": out = binaryCrossEntropyWithLogits(x, target: target, reduction: reduction)
            default: Issue.record("unknown kind \(kind)"); continue
            }
            let expected = try fixtureTensor(c["value"], dtype: .float64)
            let (rtol, atol) = dtype == .float64 ? (1e-10, 1e-12) : (1e-5, 1e-5)
            #expect(out.dtype == dtype, "\(label)")
            #expect(allClose(out, expected, rtol: rtol, atol: atol), "\(label) value: got \(out.doubles()) want \(expected.doubles())")
            #expect(out.gradFnName == c["grad_fn"] as? String, "\(label) grad_fn")
            out.backward(reduction == .none ? try fixtureTensor(c["seed"], dtype: dtype) : nil)
            let gx = try #require(x.grad, "\(label): no input grad")
            let wantGx = try fixtureTensor(c["grad_input"])
            #expect(allClose(gx, wantGx, rtol: rtol, atol: atol), "\(label) input grad, max diff \(maxDiff(gx, wantGx))")
            if wantsTargetGrad {
                let gt = try #require(target.grad, "\(label): no target grad")
                let wantGt = try fixtureTensor(c["grad_target"])
                #expect(allClose(gt, wantGt, rtol: rtol, atol: atol), "\(label) target grad, max diff \(maxDiff(gt, wantGt))")
            }
        }
    }

    @Test("cross-entropy from class indices passes gradCheck", arguments: [Reduction.mean, .sum, .none], [0.0, 0.2])
    func crossEntropyIndexGradCheck(reduction: Reduction, smoothing: Double) throws {
        let logits = randomInput([4, 5], seed: 1)
        let target = Tensor([0, 4, 2, 2])
        let report = try gradCheck([logits]) { crossEntropy($0[0], target: target, reduction: reduction, labelSmoothing: smoothing) }
        #expect(report.passed, "\(report)")
        let single = randomInput([3], seed: 2)
        let one = try gradCheck([single]) { crossEntropy($0[0], target: Tensor(scalar: 1), reduction: reduction, labelSmoothing: smoothing) }
        #expect(one.passed, "\(one)")
    }

    @Test("cross-entropy from probabilities passes gradCheck in logits and target", arguments: [Reduction.mean, .sum, .none], [0.0, 0.3])
    func crossEntropyProbabilityGradCheck(reduction: Reduction, smoothing: Double) throws {
        let logits = randomInput([3, 4], seed: 3)
        // Not normalised on purpose: the gradient must not assume rows that sum to 1.
        let target = Tensor.rand([3, 4], dtype: .float64, generator: Generator(seed: 4))
        let report = try gradCheck([logits, target]) {
            crossEntropy($0[0], target: $0[1], reduction: reduction, labelSmoothing: smoothing)
        }
        #expect(report.passed, "\(report)")
    }

    @Test("mseLoss passes gradCheck in input and target, with broadcasting", arguments: [Reduction.mean, .sum, .none])
    func mseGradCheck(reduction: Reduction) throws {
        let x = randomInput([3, 4], seed: 5), t = randomInput([3, 4], seed: 6), row = randomInput([4], seed: 7)
        let report = try gradCheck([x, t]) { mseLoss($0[0], $0[1], reduction: reduction) }
        #expect(report.passed, "\(report)")
        let broadcast = try gradCheck([x, row]) { mseLoss($0[0], $0[1], reduction: reduction) }
        #expect(broadcast.passed, "\(broadcast)")
    }

    @Test("binaryCrossEntropyWithLogits passes gradCheck in logits and target", arguments: [Reduction.mean, .sum, .none])
    func bceGradCheck(reduction: Reduction) throws {
        let x = randomInput([3, 4], seed: 8) * 3
        let t = Tensor.rand([3, 4], dtype: .float64, generator: Generator(seed: 9))
        let report = try gradCheck([x.detach(), t]) { binaryCrossEntropyWithLogits($0[0], target: $0[1], reduction: reduction) }
        #expect(report.passed, "\(report)")
    }

    @Test("huge logits give finite losses and gradients (the row maximum is subtracted)")
    func hugeLogitsAreStable() {
        for dtype in DType.allCases where dtype.isFloatingPoint {
            let logits = Tensor([1e4, -1e4, 0, 1e4 - 1, 5e3, 1e4, -3e4, 2e4], shape: [2, 4], dtype: dtype, requiresGrad: true)
            let loss = crossEntropy(logits, target: Tensor([3, 1]))
            // Row 0: lse = 1e4 + log(1 + e⁻¹); row 1: lse ≈ 2e4, target logit 1e4 → loss 1e4.
            let row0 = Foundation.log(1 + Foundation.exp(-1.0)) + 1
            #expect(Swift.abs(loss.item() - (row0 + 1e4) / 2) < 1e-2, "\(dtype): \(loss.item())")
            loss.backward()
            let g = logits.grad!.doubles()
            #expect(g.allSatisfy { $0.isFinite }, "\(g)")
            #expect(Swift.abs(g.reduce(0, +)) < 1e-6, "each row's gradient sums to 0")
            let probs = crossEntropy(logits.detach(), target: Tensor([0, 0, 0, 1, 0.5, 0, 0, 0.5], shape: [2, 4], dtype: dtype))
            #expect(probs.item().isFinite)
            let bce = binaryCrossEntropyWithLogits(Tensor([1e4, -1e4, 100], dtype: dtype), target: Tensor([0, 1, 1], dtype: dtype), reduction: .none)
            let b = bce.doubles()
            #expect(b[0] == 1e4 && b[1] == 1e4 && b[2] >= 0 && b[2] < 1e-40, "\(b)")
        }
    }

    @Test("the fused cross-entropy equals the composed -(logSoftmax · onehot) and its gradient")
    func crossEntropyMatchesComposition() {
        let logits = randomInput([6, 5], seed: 10)
        logits.requiresGrad = true
        let target = Tensor([4, 0, 1, 3, 3, 2])
        let onehot = Tensor.eye(5, dtype: .float64).doubles()
        let rows = target.doubles().flatMap { onehot[Int($0) * 5 ..< Int($0) * 5 + 5] }
        let oh = Tensor(rows, shape: [6, 5], dtype: .float64)
        let composed = -(logits.logSoftmax(axis: 1) * oh).sum() / 6
        composed.backward()
        let want = logits.grad!
        logits.zeroGrad()
        let fused = crossEntropy(logits, target: target)
        fused.backward()
        #expect(Swift.abs(fused.item() - composed.item()) < 1e-12)
        #expect(allClose(logits.grad!, want, rtol: 1e-10, atol: 1e-12))
    }

    @Test("mixed dtypes promote like PyTorch; the index target's dtype does not matter")
    func dtypes() {
        let x32 = Tensor([0.5, -1, 2], dtype: .float32)
        #expect(mseLoss(x32, Tensor([0, 0, 0], dtype: .float64)).dtype == .float64)
        #expect(crossEntropy(x32, target: Tensor(scalar: 2, dtype: .float64)).dtype == .float32)
        #expect(crossEntropy(x32.reshape([1, 3]), target: Tensor([2])).shape == [])
        #expect(crossEntropy(x32.reshape([1, 3]), target: Tensor([2]), reduction: .none).shape == [1])
        #expect(crossEntropy(x32, target: Tensor(scalar: 2), reduction: .none).shape == [])
        #expect(mseLoss(x32, Tensor([1, 1, 1]), reduction: .none).shape == [3])
    }

    @Test("no graph is recorded inside withNoGrad or for inputs that need no grad")
    func noGraph() {
        let x = Tensor([1, 2, 3], shape: [1, 3], requiresGrad: true)
        #expect(withNoGrad { crossEntropy(x, target: Tensor([0])) }.gradFnName == nil)
        #expect(crossEntropy(x.detach(), target: Tensor([0])).requiresGrad == false)
        #expect(mseLoss(x, Tensor([0, 0, 0])).gradFnName == "MseLossBackward0")
    }

    @Test("a class index out of range stops, naming the op and the shapes")
    func indexOutOfRange() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = crossEntropy(Tensor.zeros([3, 4]), target: Tensor([0, 4, 1]))
        }
    }

    @Test("a fractional or negative class index stops")
    func indexNotWhole() async {
        await #expect(processExitsWith: .failure) {
            _ = crossEntropy(Tensor.zeros([2, 4]), target: Tensor([0.5, 1]))
        }
        await #expect(processExitsWith: .failure) {
            _ = crossEntropy(Tensor.zeros([2, 4]), target: Tensor([-1, 1]))
        }
    }

    @Test("a target of the wrong shape stops")
    func shapeMismatch() async {
        await #expect(processExitsWith: .failure) {
            _ = crossEntropy(Tensor.zeros([3, 4]), target: Tensor([0, 1]))
        }
        await #expect(processExitsWith: .failure) {
            _ = crossEntropy(Tensor.zeros([2, 3, 4]), target: Tensor.zeros([2, 3]))
        }
        await #expect(processExitsWith: .failure) {
            _ = binaryCrossEntropyWithLogits(Tensor.zeros([3, 4]), target: Tensor.zeros([3]))
        }
    }

    @Test("the stop message names cross_entropy and both shapes")
    func stopMessage() async throws {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = crossEntropy(Tensor.zeros([3, 4]), target: Tensor([0, 7, 1]))
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("LayerKit.cross_entropy: Target 7 is out of bounds"), "\(text)")
        #expect(text.contains("[3, 4]") && text.contains("[3]"), "\(text)")
    }
}
