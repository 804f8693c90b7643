import Foundation
import Testing
@testable import LayerKit

/// SGD, Adam and AdamW against torch.optim trajectories (fixture made by
/// Fixtures/make_optim.py), plus skipping, zeroGrad, de-duplication and the stops.
@Suite("Optimizers")
struct OptimizerTests {
    static let runNames = ["sgd", "sgd_wd", "sgd_momentum", "sgd_dampening", "sgd_nesterov",
                           "adam", "adam_wd", "adam_amsgrad", "adamw", "adamw_wd"]

    private static func makeOptimizer(_ kind: String, _ o: [String: Any], _ params: [Tensor]) throws -> any Optimizer {
        let lr = try #require(o["lr"] as? Double)
        let wd = o["weight_decay"] as? Double
        let betaList = o["betas"] as? [Double] ?? [0.9, 0.999]
        let betas = (betaList[0], betaList[1])
        let eps = o["eps"] as? Double ?? 1e-8
        let amsgrad = o["amsgrad"] as? Bool ?? false
        switch kind {
        case "SGD":
            return SGD(params, lr: lr, momentum: o["momentum"] as? Double ?? 0, dampening: o["dampening"] as? Double ?? 0,
                       weightDecay: wd ?? 0, nesterov: o["nesterov"] as? Bool ?? false)
        case "Adam": return Adam(params, lr: lr, betas: betas, eps: eps, weightDecay: wd ?? 0, amsgrad: amsgrad)
        case "AdamW": return AdamW(params, lr: lr, betas: betas, eps: eps, weightDecay: wd ?? 1e-2, amsgrad: amsgrad)
        default: throw FixtureError(message: "unknown optimizer \(kind)")
        }
    }

    struct FixtureError: Error { var message: String }

    /// Each float dtype at each SIMD level the CPU runs (the update loops are C kernels).
    static let dtypeLevels = DType.allCases.filter(\.isFloatingPoint).flatMap { d in testedLevels.map { (d, $0) } }

    @Test("each optimiser follows PyTorch's parameters step by step, at every SIMD level", arguments: runNames, dtypeLevels)
    func matchesPyTorch(name: String, dtypeLevel: (DType, SIMDLevel)) throws { try atLevel(dtypeLevel.1) {
        let dtype = dtypeLevel.0
        let fixture = try loadFixture("optim")
        let runs = try #require(fixture["runs"] as? [[String: Any]])
        let run = try #require(runs.first { $0["name"] as? String == name && $0["dtype"] as? String == dtype.rawValue })
        func tensor(_ key: String, _ shape: [Int]) throws -> Tensor {
            Tensor(try #require(fixture[key] as? [Double]), shape: shape, dtype: dtype)
        }
        let x = try tensor("X", [4, 3]), y = try tensor("Y", [4, 2])
        let w = try tensor("W0", [3, 2]), b = try tensor("b0", [2]), c = try tensor("c0", [2])
        for p in [w, b, c] { p.requiresGrad = true }
        let opt = try Self.makeOptimizer(try #require(run["optimizer"] as? String),
                                         try #require(run["options"] as? [String: Any]), [w, b, c])
        let schedule = run["schedule"] as? [Double]
        let steps = try #require(run["steps"] as? [[String: [Double]]])
        let losses = try #require(run["losses"] as? [Double])
        #expect(steps.count == 6)
        let (rtol, atol) = dtype == .float64 ? (1e-10, 1e-12) : (1e-5, 1e-5)
        for (s, want) in steps.enumerated() {
            if let schedule { opt.lr = schedule[s] }
            opt.zeroGrad()
            let loss = (x.matmul(w) + b - y).pow(2).mean()
            loss.backward()
            opt.step()
            #expect(Swift.abs(loss.item() - losses[s]) <= atol + rtol * Swift.abs(losses[s]), "\(name) \(dtype) step \(s + 1) loss")
            for (key, p) in [("W", w), ("b", b), ("c", c)] {
                let expected = Tensor(want[key]!, shape: p.shape, dtype: .float64)
                #expect(allClose(p, expected, rtol: rtol, atol: atol),
                        "\(name) \(dtype) step \(s + 1) \(key): max diff \(maxDiff(p, expected))")
                #expect(p.isLeaf && p.dtype == dtype)
            }
        }
        #expect(c.grad == nil, "the unused parameter never got a gradient")
        if let adam = opt as? Adam {
            #expect(adam.stepCount(for: w) == 6 && adam.stepCount(for: c) == 0)
        }
    } }

    @Test("zeroGrad sets every gradient to nil")
    func zeroGradClears() {
        let w = Tensor([1, 2], requiresGrad: true), v = Tensor([3], requiresGrad: true)
        let opt = SGD([w, v], lr: 0.1)
        ((w * w).sum() + v.sum()).backward()
        #expect(w.grad != nil && v.grad != nil)
        opt.zeroGrad()
        #expect(w.grad == nil && v.grad == nil)
        opt.step()  // nothing to do without gradients
        #expect(w.doubles() == [1, 2] && v.doubles() == [3])
    }

    @Test("a step updates in place: same buffer, no graph, gradient untouched")
    func stepIsInPlace() {
        let w = Tensor([1, -2, 3], requiresGrad: true)
        let alias = w.detach()  // shares the buffer, as a view
        let opt = SGD([w], lr: 0.5, momentum: 0.9)
        (w * w).sum().backward()
        opt.step()
        #expect(w.doubles() == [0, 0, 0])
        #expect(alias.doubles() == [0, 0, 0])
        #expect(w.isLeaf && w.gradFnName == nil && w.grad?.doubles() == [2, -4, 6])
        #expect(opt.momentumBuffer(for: w)?.doubles() == [2, -4, 6], "first step: buffer = gradient")
        opt.step()
        // b = 0.9·b + g = [3.8, -7.6, 11.4]; p = 0 − 0.5·b
        #expect(allClose(w, Tensor([-1.9, 3.8, -5.7]), rtol: 1e-6))
    }

    @Test("a tensor listed twice is optimised once")
    func duplicatesAreMerged() {
        let w = Tensor([1], requiresGrad: true)
        let opt = SGD([w, w], lr: 1)
        #expect(opt.parameters.count == 1)
        (w * 3).sum().backward()
        opt.step()
        #expect(w.doubles() == [-2])
    }

    @Test("optimiser state follows a parameter converted to float64 mid-run")
    func stateFollowsDtype() {
        let w = Tensor([1, 2], requiresGrad: true)
        let sgd = SGD([w], lr: 0.1, momentum: 0.5)
        let adam = Adam([w], lr: 0.1)
        (w * w).sum().backward()
        sgd.step()
        adam.step()
        w.setData(w.double())
        w.grad = nil
        (w * w).sum().backward()
        sgd.step()
        adam.step()
        #expect(w.dtype == .float64 && sgd.momentumBuffer(for: w)?.dtype == .float64)
        #expect(w.doubles().allSatisfy { $0.isFinite })
    }

    @Test("Adam's first step moves every coordinate by about lr, whatever the gradient's scale")
    func adamFirstStep() {
        let w = Tensor([1, 1, 1], dtype: .float64, requiresGrad: true)
        let opt = Adam([w], lr: 0.01)
        (w * Tensor([1e-3, 1, 1e3], dtype: .float64)).sum().backward()
        opt.step()
        for v in w.doubles() { #expect(Swift.abs(v - 0.99) < 1e-7, "\(v)") }
    }

    @Test("AdamW decays decoupled from the gradient: with a zero gradient p shrinks by lr·wd")
    func adamWDecoupled() {
        let w = Tensor([2, -4], dtype: .float64, requiresGrad: true)
        let opt = AdamW([w], lr: 0.1, weightDecay: 0.5)
        w.grad = Tensor.zeros([2], dtype: .float64)
        opt.step()
        #expect(w.doubles() == [2 * 0.95, -4 * 0.95])
        let l2 = Tensor([2, -4], dtype: .float64, requiresGrad: true)
        let adam = Adam([l2], lr: 0.1, weightDecay: 0.5)
        l2.grad = Tensor.zeros([2], dtype: .float64)
        adam.step()
        // L2 decay enters the gradient, so Adam normalises it: a step of ≈ lr in each coordinate.
        #expect(allClose(l2, Tensor([1.9, -3.9], dtype: .float64), rtol: 1e-6))
    }

    @Test("optimisers are usable through the protocol, with a changeable learning rate")
    func protocolUse() {
        let w = Tensor([1], requiresGrad: true)
        let opts: [any Optimizer] = [SGD([w], lr: 0.1), Adam([w]), AdamW([w])]
        for opt in opts {
            opt.lr = 0.25
            #expect(opt.lr == 0.25 && opt.parameters.count == 1)
        }
        #expect(AdamW([w]).weightDecay == 1e-2 && Adam([w]).weightDecay == 0)
    }

    @Test("Nesterov without momentum, or with dampening, stops")
    func nesterovNeedsMomentum() async {
        await #expect(processExitsWith: .failure) {
            _ = SGD([Tensor([1], requiresGrad: true)], lr: 0.1, nesterov: true)
        }
        await #expect(processExitsWith: .failure) {
            _ = SGD([Tensor([1], requiresGrad: true)], lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true)
        }
    }

    @Test("bad hyper-parameters, empty lists and non-leaf tensors stop")
    func badArguments() async {
        await #expect(processExitsWith: .failure) { _ = SGD([Tensor([1], requiresGrad: true)], lr: -1) }
        await #expect(processExitsWith: .failure) { _ = Adam([Tensor([1], requiresGrad: true)], betas: (1, 0.9)) }
        await #expect(processExitsWith: .failure) { _ = SGD([Tensor](), lr: 0.1) }
        await #expect(processExitsWith: .failure) {
            let w = Tensor([1], requiresGrad: true)
            _ = SGD([w * 2], lr: 0.1)
        }
    }

    @Test("a module's [Parameter] is accepted as well as [Tensor], and updated in place")
    func parametersOfAModule() {
        let layer = Linear(3, 2)
        let opt = SGD(layer.parameters(), lr: 0.1)
        let adamW: any Optimizer = AdamW(layer.parameters())
        #expect(opt.parameters.count == 2 && opt.parameters[0] === layer.weight && adamW.parameters.count == 2)
        let before = layer.weight.doubles()
        layer(Tensor.ones([1, 3])).sum().backward()
        opt.step()
        // d(sum)/dW = 1 everywhere, so each weight moves by −lr.
        #expect(zip(layer.weight.doubles(), before).allSatisfy { Swift.abs($0 - ($1 - 0.1)) < 1e-6 })
    }

    @Test("an uninitialised (lazy) parameter stops with a message saying to materialise it")
    func uninitializedParameter() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = SGD([Parameter.uninitialized()], lr: 0.1)
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("LayerKit.SGD: can't optimize an uninitialized parameter"), "\(text)")
    }
}
