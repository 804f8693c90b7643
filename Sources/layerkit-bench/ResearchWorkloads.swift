import Foundation
import LayerKit

// The research layers (issue 13) side by side with bench/bench_research_torch.py (same ids, same
// timing rules): Bilinear against torch.nn.Bilinear, Conv1d against the GEMM it implies,
// SpectralConv1d and FNO1d at the Burgers experiment's size.

/// Whether the `--only` filter selects anything in the research group.
private func wantsResearch(_ h: Harness) -> Bool {
    guard let filter = h.filter else { return true }
    return ["bilinear", "conv1d", "gemm.conv1d", "spectral", "fno1d"].contains { $0.hasPrefix(filter) || filter.hasPrefix($0) }
}

/// Bilinear, Conv1d (and its GEMM), SpectralConv1d and FNO1d workloads.
func runResearchWorkloads(_ h: inout Harness) {
    guard wantsResearch(h) else { return }
    let g = Generator(seed: 0)
    for (b, i1, i2, o) in [(256, 64, 64, 64), (32, 128, 128, 128)] {
        let layer = Bilinear(in1Features: i1, in2Features: i2, outFeatures: o, generator: g)
        let x1 = Tensor.randn([b, i1], generator: g), x2 = Tensor.randn([b, i2], generator: g)
        let id = "\(b)x\(i1)x\(i2)x\(o)"
        h.bench("bilinear.fwd.\(id)") { blackHole(withNoGrad { layer(x1, x2) }) }
        let (g1, g2) = (x1.clone(), x2.clone())
        g1.requiresGrad = true
        g2.requiresGrad = true
        h.bench("bilinear.fwdbwd.\(id)") {
            layer.zeroGrad(); g1.zeroGrad(); g2.zeroGrad()
            layer(g1, g2).sum().backward()
        }
    }
    // Conv1d (batch 20, 64 → 64 channels, length 1024) against the GEMM [64, 64·k] · [64·k, 20·1024].
    for k in [1, 3] {
        let conv = Conv1d(inChannels: 64, outChannels: 64, kernelSize: k, padding: k / 2, generator: g)
        let x = Tensor.randn([20, 64, 1024], generator: g)
        h.bench("conv1d.fwd.20x64x1024.k\(k)") { blackHole(withNoGrad { conv(x) }) }
        let xg = x.clone()
        xg.requiresGrad = true
        h.bench("conv1d.fwdbwd.20x64x1024.k\(k)") {
            conv.zeroGrad(); xg.zeroGrad()
            conv(xg).sum().backward()
        }
        let w = Tensor.randn([64, 64 * k], generator: g), cols = Tensor.randn([64 * k, 20 * 1024], generator: g)
        h.bench("gemm.conv1d.64x\(64 * k)x20480") { blackHole(w.matmul(cols)) }
    }
    // The FNO's layers at the Burgers experiment's size: batch 20, width 64, n 1024, 16 modes.
    let spectral = SpectralConv1d(inChannels: 64, outChannels: 64, modes: 16, generator: g)
    let h0 = Tensor.randn([20, 64, 1024], generator: g)
    h.bench("spectralconv1d.fwd.20x64x1024.m16") { blackHole(withNoGrad { spectral(h0) }) }
    let hg = h0.clone()
    hg.requiresGrad = true
    h.bench("spectralconv1d.fwdbwd.20x64x1024.m16") {
        spectral.zeroGrad(); hg.zeroGrad()
        spectral(hg).sum().backward()
    }
    let fno = FNO1d(modes: 16, width: 64, generator: g)
    let input = FNO1d.withGrid(Tensor.randn([20, 1024], generator: g))
    h.bench("fno1d.fwd.20x1024.m16w64") { blackHole(withNoGrad { fno(input) }) }
    h.bench("fno1d.fwdbwd.20x1024.m16w64") {
        fno.zeroGrad()
        fno(input).sum().backward()
    }
}

/// Diagnostics for Bilinear's forward (`--only bilinear.micro`): the outer product alone and its
/// GEMM in both orientations.
func runBilinearMicro(_ h: inout Harness) {
    guard let filter = h.filter, filter.hasPrefix("bilinear.micro") else { return }
    let g = Generator(seed: 0)
    for (b, i1, i2, o) in [(256, 64, 64, 64), (32, 128, 128, 128)] {
        let id = "\(b)x\(i1)x\(i2)x\(o)"
        let x1 = Tensor.randn([b, i1], generator: g), x2 = Tensor.randn([b, i2], generator: g)
        let w = Tensor.randn([o, i1 * i2], generator: g)
        let p = (x1.reshape([b, i1, 1]) * x2.reshape([b, 1, i2])).reshape([b, i1 * i2])
        h.bench("bilinear.micro.outer.\(id)") { blackHole(x1.reshape([b, i1, 1]) * x2.reshape([b, 1, i2])) }
        h.bench("bilinear.micro.gemmPWt.\(id)") { blackHole(p.matmul(w, transposeSelf: false, transposeOther: true)) }
        h.bench("bilinear.micro.gemmWPt.\(id)") { blackHole(w.matmul(p, transposeSelf: false, transposeOther: true)) }
    }
}
