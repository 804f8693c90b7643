import LayerKit

/// Every workload id of shared/bench-ref/README.md that LayerKit can run so far.
func runWorkloads(_ h: inout Harness) {
    manualSeed(0)
    // Per-op overhead: 1000 × (x = x + 1) on a 5-element tensor.
    h.bench("tinyop.add.x1000") {
        var x = Tensor.ones([5])
        for _ in 0..<1000 { x = x + 1 }
        blackHole(x)
    }
    h.bench("tinyop.addgrad.x1000") {
        var x = Tensor.ones([5])
        x.requiresGrad = true
        for _ in 0..<1000 { x = x + 1 }
        blackHole(x)
    }
    h.bench("tinyop.addgradbwd.x1000") {
        let x0 = Tensor.ones([5])
        x0.requiresGrad = true
        var x = x0
        for _ in 0..<1000 { x = x + 1 }
        x.sum().backward()
    }

    // GEMM and Linear.
    for (b, i, o) in [(256, 784, 256), (256, 256, 10)] {
        let x = Tensor.randn([b, i])
        let w = Tensor.uniform([o, i], low: -0.03, high: 0.03), bias = Tensor.zeros([o])
        h.bench("linear.fwd.\(b)x\(i)x\(o)") { blackHole(withNoGrad { Tensor.linear(x, weight: w, bias: bias) }) }
        let xg = x.clone(), wg = w.clone(), bg = bias.clone()
        for t in [xg, wg, bg] { t.requiresGrad = true }
        h.bench("linear.fwdbwd.\(b)x\(i)x\(o)") {
            for t in [xg, wg, bg] { t.zeroGrad() }
            Tensor.linear(xg, weight: wg, bias: bg).sum().backward()
        }
    }
    let a = Tensor.randn([1024, 1024]), b = Tensor.randn([1024, 1024])
    h.bench("matmul.fwd.1024") { blackHole(a.matmul(b)) }
    let ag = a.clone(), bg = b.clone()
    ag.requiresGrad = true
    bg.requiresGrad = true
    h.bench("matmul.fwdbwd.1024") {
        ag.zeroGrad(); bg.zeroGrad()
        ag.matmul(bg).sum().backward()
    }

    // CenteredLayer.
    let big = Tensor.randn([1000, 1000])
    h.bench("centered.fwd.1000x1000") { blackHole(withNoGrad { big - big.mean() }) }
    let bigG = big.clone()
    bigG.requiresGrad = true
    h.bench("centered.fwdbwd.1000x1000") {
        bigG.zeroGrad()
        (bigG - bigG.mean()).sum().backward()
    }
}

/// Keeps the optimiser from discarding a result.
@inline(never)
func blackHole<T>(_ x: T) { withExtendedLifetime(x) {} }
