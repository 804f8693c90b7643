import Exercises
import Foundation
import Grading
import LayerKit

/// Every workload id of bench/bench_torch.py, timed the way it times them (Notes/benchmarks.md).
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

    // GEMM and Linear: the layer itself, as torch times nn.Linear.
    if h.wants("linear") { for (b, i, o) in [(256, 784, 256), (256, 256, 10)] {
        let layer = Linear(i, o)
        let x = Tensor.randn([b, i])
        h.bench("linear.fwd.\(b)x\(i)x\(o)") { blackHole(withNoGrad { layer(x) }) }
        let xg = x.clone()
        xg.requiresGrad = true
        h.bench("linear.fwdbwd.\(b)x\(i)x\(o)") {
            layer.weight.zeroGrad(); layer.bias?.zeroGrad(); xg.zeroGrad()
            layer(xg).sum().backward()
        }
    } }
    if h.wants("matmul") {
    let a = Tensor.randn([1024, 1024]), b = Tensor.randn([1024, 1024])
    h.bench("matmul.fwd.1024") { blackHole(a.matmul(b)) }
    let ag = a.clone(), bg = b.clone()
    ag.requiresGrad = true
    bg.requiresGrad = true
    h.bench("matmul.fwdbwd.1024") {
        ag.zeroGrad(); bg.zeroGrad()
        ag.matmul(bg).sum().backward()
    }
    }

    // Optimiser steps alone over the MLP's 203,530 parameters (gradients fixed): the fused
    // update loops, the step every training loop pays.
    if h.wants("optim") {
        let net = Sequential(Linear(784, 256), ReLU(), Linear(256, 10))
        for p in net.parameters() { p.grad = Tensor.randn(p.shape) }
        let sgd = SGD(net.parameters(), lr: 0.01, momentum: 0.9)
        h.bench("optim.sgd.momentum.mlp") { sgd.step() }
        let adam = Adam(net.parameters(), lr: 1e-3)
        h.bench("optim.adam.mlp") { adam.step() }
    }

    // The D2L MLP: 784-256-10, batch 256, cross-entropy, SGD lr 0.1.
    if h.wants("mlp") {
        let net = Sequential(Linear(784, 256), ReLU(), Linear(256, 10))
        let opt = SGD(net.parameters(), lr: 0.1)
        let x = Tensor.randn([256, 784])
        let y = mlpTargets(256)
        h.bench("mlp.trainstep") {
            opt.zeroGrad()
            crossEntropy(net(x), target: y).backward()
            opt.step()
        }
        h.bench("mlp.fwd") { blackHole(withNoGrad { net(x) }) }
    }

    if h.wants("micro") {
        let big = Tensor.randn([1000, 1000])
        let m = big.mean()
        h.bench("micro.mean") { blackHole(big.mean()) }
        h.bench("micro.sub") { blackHole(big - m) }
        h.bench("micro.subscalar") { blackHole(big - 1) }
        h.bench("micro.clone") { blackHole(big.clone()) }
        h.bench("micro.fill") { blackHole(Tensor.full([1000, 1000], 1)) }
        FFTPlans.rigor = .measure
        let xf = Tensor.randn([1024, 100])
        h.bench("micro.rfft.1024x100") { blackHole(xf.rfft()) }
        let spec = xf.rfft()
        h.bench("micro.narrow.1024x100") { blackHole(spec.narrow(axis: -2, start: 0, length: 50)) }
        let xf2 = Tensor.randn([256, 1024])
        h.bench("micro.rfft.256x1024") { blackHole(xf2.rfft()) }
        let spec2 = xf2.rfft()
        h.bench("micro.narrow.256x1024") { blackHole(spec2.narrow(axis: -2, start: 0, length: 512)) }
        for (r, n) in [(64, 4096), (16, 65536)] {
            let x = Tensor.randn([r, n])
            h.bench("micro.rfft.\(r)x\(n)") { blackHole(x.rfft()) }
            let sp = x.rfft()
            h.bench("micro.narrow.\(r)x\(n)") { blackHole(sp.narrow(axis: -2, start: 0, length: n / 2)) }
            h.bench("micro.rfftnarrow.\(r)x\(n)") { blackHole(x.rfft().narrow(axis: -2, start: 0, length: n / 2)) }
            let layer = FourierHalfSpectrum()
            h.bench("micro.layer.\(r)x\(n)") { blackHole(withNoGrad { layer(x) }) }
            h.bench("micro.rfftbins.\(r)x\(n)") { blackHole(x.rfft(bins: n / 2)) }
        }
        h.bench("micro.rfftbins.1024x100") { blackHole(xf.rfft(bins: 50)) }
        h.bench("micro.rfftbins.256x1024") { blackHole(xf2.rfft(bins: 512)) }
        // Single products around the threshold where products split over threads (KernelStrategy.productSplit), m x n x k.
        for (m, n, k) in [(256, 10, 256), (10, 256, 256), (256, 256, 10), (128, 128, 128), (256, 64, 256), (256, 256, 64),
                          (512, 128, 128), (256, 256, 256), (64, 784, 256), (256, 256, 784)] {
            let a = Tensor.randn([m, k]), b = Tensor.randn([k, n]), bt = Tensor.randn([n, k])
            h.bench("micro.gemm.\(m)x\(n)x\(k)") { blackHole(a.matmul(b)) }
            h.bench("micro.gemmnt.\(m)x\(n)x\(k)") { blackHole(a.matmul(bt, transposeSelf: false, transposeOther: true)) }
        }
        let layer = FourierHalfSpectrum()
        h.bench("micro.layer.1024x100") { blackHole(layer(xf)) }
        h.bench("micro.layernograd.1024x100") { blackHole(withNoGrad { layer(xf) }) }
        h.bench("micro.rfftnograd.1024x100") { blackHole(withNoGrad { xf.rfft() }) }
        FFTPlans.rigor = .estimate
        // The tensor reduction's forward in parts: the batched outer product, then the GEMM.
        let xr = Tensor.randn([256, 64]), wr = Tensor.randn([64 * 64, 64])
        let outer = (xr.reshape([256, 64, 1]) * xr.reshape([256, 1, 64])).reshape([256, 4096])
        h.bench("micro.reduction.outer.256x64") { blackHole((xr.reshape([256, 64, 1]) * xr.reshape([256, 1, 64])).reshape([256, 4096])) }
        h.bench("micro.reduction.gemm.256x4096x64") { blackHole(outer.matmul(wr)) }
        let w2 = Tensor.randn([64, 64 * 64]), t = xr.matmul(w2)
        h.bench("micro.reduction.gemm.256x64x4096") { blackHole(xr.matmul(w2)) }
        h.bench("micro.reduction.contract.sum") { blackHole((t.reshape([256, 64, 64]) * xr.reshape([256, 64, 1])).sum(axis: 1)) }
        // quadraticForm's two forwards: without grad and with grad (the fold's second layout,
        // for the input gradient, built too); both reuse the fold cached with the weight.
        for (bq, iq, kq) in [(256, 64, 64), (32, 128, 128)] {
            let xq = Tensor.randn([bq, iq]), wq = Tensor.randn([iq, iq, kq])
            let xg = xq.clone()
            xg.requiresGrad = true
            h.bench("micro.qf.blocked.\(bq)x\(iq)x\(kq)") { blackHole(xq.quadraticForm(wq)) }
            h.bench("micro.qf.whole.\(bq)x\(iq)x\(kq)") { blackHole(xg.quadraticForm(wq)) }
        }
        h.bench("micro.reduction.contract.bmm") { blackHole(xr.reshape([256, 1, 64]).matmul(t.reshape([256, 64, 64]))) }
    }
    // CenteredLayer.
    if h.wants("centered") {
    let big = Tensor.randn([1000, 1000])
    h.bench("centered.fwd.1000x1000") { blackHole(withNoGrad { big - big.mean() }) }
    let bigG = big.clone()
    bigG.requiresGrad = true
    h.bench("centered.fwdbwd.1000x1000") {
        bigG.zeroGrad()
        (bigG - bigG.mean()).sum().backward()
    }
    }

    // The tensor-reduction layer of the exercises, y_bk = Σ_ij W_ijk x_bi x_bj.
    if h.wants("reduction") { for (bs, i, k) in [(64, 32, 16), (256, 64, 64), (32, 128, 128)] {
        let layer = TensorReduction(inFeatures: i, outFeatures: k)
        let x = Tensor.randn([bs, i])
        let tag = "\(bs)x\(i)x\(k)"
        h.bench("reduction.fwd.\(tag)") { blackHole(withNoGrad { layer(x) }) }
        let xg = x.clone()
        xg.requiresGrad = true
        h.bench("reduction.fwdbwd.\(tag)") {
            xg.zeroGrad(); layer.weight.zeroGrad()
            layer(xg).sum().backward()
        }
        // A training step changes the weight, so every step pays for refolding it, which the
        // fwd and fwdbwd workloads (one weight throughout) never do.
        let opt = SGD(layer.parameters(), lr: 1e-4)
        h.bench("reduction.trainstep.\(tag)") {
            opt.zeroGrad()
            layer(x).sum().backward()
            opt.step()
        }
    } }

    // The half-spectrum Fourier layer of the exercises, with FFTW_MEASURE plans (or
    // `--fftw-rigor patient|estimate`).
    if h.wants("fourier") {
    FFTPlans.rigor = h.fftRigor
    for (r, n) in [(256, 1024), (64, 4096), (16, 65536), (1024, 100)] {
        let layer = FourierHalfSpectrum()
        let x = Tensor.randn([r, n])
        let tag = "\(r)x\(n)"
        h.bench("fourier.fwd.\(tag)") { blackHole(withNoGrad { layer(x) }) }
        let xg = x.clone()
        xg.requiresGrad = true
        h.bench("fourier.fwdbwd.\(tag)") {
            xg.zeroGrad()
            layer(xg).sum().backward()
        }
    }
    FFTPlans.rigor = .estimate
    }

    // Full float64 gradient checks of the two layers (PyTorch's gradcheck defaults).
    if h.wants("gradcheck") {
        let layer = TensorReduction(inFeatures: 5, outFeatures: 3, dtype: .float64)
        let x = Tensor.randn([4, 5], dtype: .float64)
        precondition((try? gradCheck([x, layer.weight]) { layer($0[0]) })?.passed == true, "gradcheck.reduction failed")
        h.bench("gradcheck.reduction.4x5x3") { blackHole(try? gradCheck([x, layer.weight]) { layer($0[0]) }) }
        let fourier = FourierHalfSpectrum()
        let xf = Tensor.randn([4, 16], dtype: .float64)
        precondition((try? gradCheck([xf]) { fourier($0[0]) })?.passed == true, "gradcheck.fourier failed")
        h.bench("gradcheck.fourier.4x16") { blackHole(try? gradCheck([xf]) { fourier($0[0]) }) }
        // A larger check: batch 4, in 16, out 8 (2,112 inputs to perturb).
        let layer16 = TensorReduction(inFeatures: 16, outFeatures: 8, dtype: .float64)
        let x16 = Tensor.randn([4, 16], dtype: .float64)
        precondition((try? gradCheck([x16, layer16.weight]) { layer16($0[0]) })?.passed == true, "gradcheck.reduction.16x8 failed")
        h.bench("gradcheck.reduction.16x8") { blackHole(try? gradCheck([x16, layer16.weight]) { layer16($0[0]) }) }
    }

    // The grader on the reference tensor-reduction answer: every criterion of the exercise's
    // spec, in this process and in a child process (this executable, as `layerkit grade` does).
    if h.wants("grade") {
        guard let reference = referenceSolutions.first(where: { $0.exercise == .tensorReduction && $0.name == "TensorReduction" }) else {
            fatalError("layerkit-bench: no reference TensorReduction candidate")
        }
        precondition(grade(reference).passedAll, "grade.tensor-reduction: the reference answer does not pass")
        h.bench("grade.tensor-reduction.inprocess") { blackHole(grade(reference)) }
        let isolation = Isolation.automatic() ?? .none
        let child = gradeInChildProcess(reference, limits: GradingLimits(timeout: 60), isolation: isolation)
        precondition(child.passedAll, "grade.tensor-reduction.child: the reference answer does not pass in a child:\n\(child.table)")
        h.bench("grade.tensor-reduction.child") {
            blackHole(gradeInChildProcess(reference, limits: GradingLimits(timeout: 60), isolation: isolation))
        }
    }

    // The MLP's state dict (203,530 parameters) to and from a safetensors file.
    if h.wants("safetensors") {
        let net = Sequential(Linear(784, 256), ReLU(), Linear(256, 10))
        let state = net.stateDict()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("layerkit-bench-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("mlp.safetensors")
        h.bench("safetensors.save.mlp") { try! Safetensors.save(state, to: url) }
        // The file the load reads, also when `--only safetensors.load` skipped the save.
        try! Safetensors.save(state, to: url)
        h.bench("safetensors.load.mlp") { blackHole(try! Safetensors.load(from: url)) }
        try? FileManager.default.removeItem(at: dir)
    }

    // Costs the tests used to assert: printing a large tensor formats only the shown values,
    // and reflection over a module tree is cheap enough for every training step.
    if h.wants("print") {
        let big = Tensor.full([1000, 1000], 0.5)
        h.bench("print.tensor.1000x1000") { blackHole("\(big)") }
    }
    if h.wants("module") {
        // The book's rgnet: 22 modules, 18 parameters (LazyLinear, so one call first).
        func block1() -> Sequential { Sequential(LazyLinear(8), ReLU(), LazyLinear(4), ReLU()) }
        let block2 = Sequential()
        for i in 0..<4 { block2.addModule(block1(), named: "block \(i)") }
        let rgnet = Sequential(block2, Linear(4, 1))
        _ = withNoGrad { rgnet(Tensor.rand([2, 4])) }
        h.bench("module.parameters.rgnet") { blackHole(rgnet.parameters()) }
    }
}

/// `n` class indices in 0..<10 as a float tensor, like `torch.randint(0, 10, (n,))`.
func mlpTargets(_ n: Int) -> Tensor {
    Tensor((Tensor.rand([n]) * 10).floats().map { Float(Swift.min(Int($0), 9)) })
}

/// The resident memory of a 10,000-step MLP training loop, read from /proc/self/status at
/// step 100 and at the last step (VmRSS now, VmHWM the peak so far).
func runMemory(steps: Int = 10_000) {
    manualSeed(0)
    let net = Sequential(Linear(784, 256), ReLU(), Linear(256, 10))
    let opt = SGD(net.parameters(), lr: 0.1)
    let x = Tensor.randn([256, 784])
    let y = mlpTargets(256)
    print("memory: before the loop  \(memoryStatus())")
    var loss = 0.0
    for step in 1...steps {
        opt.zeroGrad()
        let l = crossEntropy(net(x), target: y)
        l.backward()
        opt.step()
        if step == 100 || step == 1_000 || step == steps {
            loss = l.item()
            print("memory: step \(String(step).padding(toLength: 6, withPad: " ", startingAt: 0)) \(memoryStatus())  loss \(String(format: "%.4f", loss))")
        }
    }
}

/// `VmRSS` and `VmHWM` of this process, in MiB.
func memoryStatus() -> String {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return "(no /proc/self/status)" }
    func field(_ name: String) -> String {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return "?" }
        return String(format: "%.1f MiB", kb / 1024)
    }
    return "VmRSS \(field("VmRSS"))  VmHWM \(field("VmHWM"))"
}

/// Keeps the optimiser from discarding a result.
@inline(never)
func blackHole<T>(_ x: T) { withExtendedLifetime(x) {} }
