#!/usr/bin/env python3
"""PyTorch side of the research-layer workloads in Sources/layerkit-bench/ResearchWorkloads.swift.

Usage: python bench_research_torch.py --threads 2 [--out torch_research_t2.json] [--only bilinear]

Same ids and timing rules as bench/bench_torch.py and LayerKit's Harness: warm-up
(>= 3 calls and >= 0.2 s), then REPS samples; a sample repeats a fast call until it lasts about
1 ms; per-call median and minimum in microseconds. float32.
"""
import argparse

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--reps", type=int, default=30)
ap.add_argument("--out", default=None)
ap.add_argument("--only", default=None)
args = ap.parse_args()

from torch_timing import Timer, torch_with_threads  # noqa: E402

torch = torch_with_threads(args.threads)
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

timer = Timer(args.reps, args.only)
bench = timer.bench


class SpectralConv1d(nn.Module):
    """The FNO reference's Fourier layer (complex weights1 [in, out, modes])."""

    def __init__(self, i, o, modes):
        super().__init__()
        self.o, self.modes = o, modes
        self.weights1 = nn.Parameter(torch.rand(i, o, modes, dtype=torch.cfloat) / (i * o))

    def forward(self, x):
        n = x.size(-1)
        x_ft = torch.fft.rfft(x)
        out_ft = torch.zeros(x.shape[0], self.o, n // 2 + 1, dtype=torch.cfloat)
        out_ft[:, :, :self.modes] = torch.einsum("bix,iox->box", x_ft[:, :, :self.modes], self.weights1)
        return torch.fft.irfft(out_ft, n=n)


class FNO1d(nn.Module):
    def __init__(self, modes, width):
        super().__init__()
        self.fc0 = nn.Linear(2, width)
        self.convs = nn.ModuleList([SpectralConv1d(width, width, modes) for _ in range(4)])
        self.ws = nn.ModuleList([nn.Conv1d(width, width, 1) for _ in range(4)])
        self.fc1, self.fc2 = nn.Linear(width, 128), nn.Linear(128, 1)

    def forward(self, x):
        x = self.fc0(x).permute(0, 2, 1)
        for i, (c, w) in enumerate(zip(self.convs, self.ws)):
            x = c(x) + w(x)
            if i < 3:
                x = F.gelu(x)
        return self.fc2(F.gelu(self.fc1(x.permute(0, 2, 1))))


def fwd_no_grad(module, *xs):
    def run():
        with torch.no_grad():
            module(*xs)
    return run


def fwd_bwd(module, *xs):
    def run():
        module.zero_grad(set_to_none=True)
        for x in xs:
            x.grad = None
        module(*xs).sum().backward()
    return run


for (b, i1, i2, o) in [(256, 64, 64, 64), (32, 128, 128, 128)]:
    layer = nn.Bilinear(i1, i2, o)
    x1, x2 = torch.randn(b, i1), torch.randn(b, i2)
    tag = f"{b}x{i1}x{i2}x{o}"
    bench(f"bilinear.fwd.{tag}", fwd_no_grad(layer, x1, x2))
    bench(f"bilinear.fwdbwd.{tag}", fwd_bwd(layer, x1.clone().requires_grad_(), x2.clone().requires_grad_()))

for k in (1, 3):
    conv = nn.Conv1d(64, 64, k, padding=k // 2)
    x = torch.randn(20, 64, 1024)
    bench(f"conv1d.fwd.20x64x1024.k{k}", fwd_no_grad(conv, x))
    bench(f"conv1d.fwdbwd.20x64x1024.k{k}", fwd_bwd(conv, x.clone().requires_grad_()))
    w, cols = torch.randn(64, 64 * k), torch.randn(64 * k, 20 * 1024)
    bench(f"gemm.conv1d.64x{64 * k}x20480", lambda: torch.mm(w, cols))

spectral = SpectralConv1d(64, 64, 16)
h0 = torch.randn(20, 64, 1024)
bench("spectralconv1d.fwd.20x64x1024.m16", fwd_no_grad(spectral, h0))
bench("spectralconv1d.fwdbwd.20x64x1024.m16", fwd_bwd(spectral, h0.clone().requires_grad_()))
fno = FNO1d(16, 64)
grid = torch.linspace(0, 1, 1024).reshape(1, 1024, 1).repeat(20, 1, 1)
inp = torch.cat([torch.randn(20, 1024, 1), grid], dim=-1)
bench("fno1d.fwd.20x1024.m16w64", fwd_no_grad(fno, inp))
bench("fno1d.fwdbwd.20x1024.m16w64", fwd_bwd(fno, inp))

if args.out:
    timer.write(args.out, {"threads": str(args.threads), "library": "torch " + torch.__version__})
