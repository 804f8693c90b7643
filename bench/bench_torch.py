#!/usr/bin/env python3
"""Reference performance anchors (PyTorch CPU + numpy/scipy) for the Swift DL library: the
PyTorch side of every workload layerkit-bench times (the ids are in Notes/benchmarks.md).

Usage:  python3 (in a venv with torch, numpy, scipy, safetensors) bench_torch.py --threads 2 [--out results/torch_t2.json] [--only a,b,...]

Timing rules: time.perf_counter; warm-up (>= 3 calls and >= 0.2 s); then REPS (default 30) samples.
A sample is `inner` back-to-back calls (inner chosen so that one sample lasts >= ~1 ms, 1 for anything
slower), reported per call. We report median and min over the samples, in microseconds.
"""
import argparse
import json
import os
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--reps", type=int, default=30)
ap.add_argument("--out", default=None)
ap.add_argument("--only", default="a,b,c,d,e,f,g")
args = ap.parse_args()

# numpy / scipy OpenBLAS + MKL/OMP thread counts must be set before the import
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = str(args.threads)

import time  # noqa: E402
import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.fft  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(0)
REPS = args.reps
ONLY = set(args.only.split(","))
RESULTS = []


def bench(name, fn, flops=None, reps=None, inner=None, bytes_=None):
    reps = reps or REPS
    # warm-up
    t0 = time.perf_counter()
    n = 0
    while n < 3 or time.perf_counter() - t0 < 0.2:
        fn()
        n += 1
    per = (time.perf_counter() - t0) / n
    if inner is None:
        inner = max(1, int(1e-3 / per)) if per < 1e-3 else 1
    ts = []
    for _ in range(reps):
        a = time.perf_counter()
        for _ in range(inner):
            fn()
        ts.append((time.perf_counter() - a) / inner)
    ts.sort()
    med = ts[len(ts) // 2] if len(ts) % 2 else 0.5 * (ts[len(ts) // 2 - 1] + ts[len(ts) // 2])
    mn = ts[0]
    r = {"name": name, "median_us": med * 1e6, "min_us": mn * 1e6, "reps": reps, "inner": inner,
         "samples_us": [t * 1e6 for t in ts]}
    line = f"{name:<62s} median {med*1e6:11.2f} us  min {mn*1e6:11.2f} us"
    if flops:
        r["gflops_median"] = flops / med * 1e-9
        r["gflops_min"] = flops / mn * 1e-9
        line += f"  {r['gflops_median']:7.1f} GF/s (med) {r['gflops_min']:7.1f} (best)"
    if bytes_:
        r["gbps_median"] = bytes_ / med * 1e-9
        line += f"  {r['gbps_median']:6.1f} GB/s (med)"
    if inner > 1:
        line += f"  [x{inner}]"
    print(line, flush=True)
    RESULTS.append(r)
    return r


def section(s):
    print(f"\n=== {s} (threads={args.threads}) ===", flush=True)


# ---------------------------------------------------------------- a. GEMM / Linear
if "a" in ONLY:
    section("a. GEMM / Linear")
    for (B, I, O) in [(256, 784, 256), (256, 256, 10)]:
        lin = nn.Linear(I, O)
        x = torch.randn(B, I)
        xg = x.clone().requires_grad_(True)
        fl = 2.0 * B * I * O

        def fwd():
            with torch.no_grad():
                return lin(x)

        def fwdbwd():
            lin.weight.grad = None
            lin.bias.grad = None
            xg.grad = None
            lin(xg).sum().backward()

        def fwdbwd_nox():  # x does not require grad: only dW, db (as for a first layer)
            lin.weight.grad = None
            lin.bias.grad = None
            lin(x).sum().backward()

        bench(f"Linear fwd (no_grad) ({B},{I},{O})", fwd, fl)
        bench(f"Linear fwd+bwd, x.requires_grad (3 GEMM) ({B},{I},{O})", fwdbwd, 3 * fl)
        bench(f"Linear fwd+bwd, x no grad (2 GEMM) ({B},{I},{O})", fwdbwd_nox, 2 * fl)
        # raw matmul of same shape: x @ W^T
        W = lin.weight.detach()
        bench(f"torch.matmul x@W.T ({B},{I},{O})", lambda: torch.matmul(x, W.t()), fl)
        xn, Wn = x.numpy(), W.numpy()
        bench(f"numpy x@W.T ({B},{I},{O})", lambda: xn @ Wn.T, fl)
    n = 1024
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    ag = a.clone().requires_grad_(True)
    bg = b.clone().requires_grad_(True)
    fl = 2.0 * n ** 3

    def mm_fwdbwd():
        ag.grad = None
        bg.grad = None
        (ag @ bg).sum().backward()

    bench("torch.mm 1024^3 fwd", lambda: torch.mm(a, b), fl)
    bench("torch.mm 1024^3 fwd+bwd (loss=sum, 3 GEMM)", mm_fwdbwd, 3 * fl)
    lin = nn.Linear(n, n)
    xg = torch.randn(n, n, requires_grad=True)

    def lin_fb():
        lin.weight.grad = None
        lin.bias.grad = None
        xg.grad = None
        lin(xg).sum().backward()

    with torch.no_grad():
        bench("Linear fwd (no_grad) (1024,1024,1024)", lambda: lin(xg), fl)
    bench("Linear fwd+bwd, x.requires_grad (1024,1024,1024)", lin_fb, 3 * fl)
    an, bn = a.numpy(), b.numpy()
    bench("numpy matmul 1024^3", lambda: an @ bn, fl)

# ---------------------------------------------------------------- b. MLP step + op overhead
if "b" in ONLY:
    section("b. D2L MLP step / per-op overhead")
    net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    X = torch.randn(256, 784)
    y = torch.randint(0, 10, (256,))
    fwd_fl = 2.0 * 256 * (784 * 256 + 256 * 10)
    step_fl = fwd_fl + 2.0 * 256 * (784 * 256 + 256 * 10) + 2.0 * 256 * 256 * 10  # fwd + dW(both) + dX(layer2)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(X), y)
        loss.backward()
        opt.step()

    bench("MLP 784-256-10 train step (B=256, CE, SGD 0.1)", step, step_fl)

    def step_foreach_off():
        opt2.zero_grad(set_to_none=True)
        F.cross_entropy(net(X), y).backward()
        opt2.step()

    opt2 = torch.optim.SGD(net.parameters(), lr=0.1, foreach=False)
    bench("MLP train step, SGD foreach=False", step_foreach_off, step_fl)

    def infer():
        with torch.no_grad():
            return net(X)

    bench("MLP forward only (no_grad)", infer, fwd_fl)

    def tiny(req):
        def f():
            x = torch.ones(5, requires_grad=req)
            for _ in range(1000):
                x = x + 1
            return x
        return f

    r = bench("1000 x (x = x + 1) on 5-elem tensor, no grad", tiny(False))
    print(f"    -> {r['median_us']/1000:.3f} us/op median, {r['min_us']/1000:.3f} us/op min")
    r = bench("1000 x (x = x + 1) on 5-elem tensor, requires_grad", tiny(True))
    print(f"    -> {r['median_us']/1000:.3f} us/op median, {r['min_us']/1000:.3f} us/op min")

    def tiny_bwd():
        x0 = torch.ones(5, requires_grad=True)
        x = x0
        for _ in range(1000):
            x = x + 1
        x.sum().backward()

    r = bench("1000 x (x = x + 1), requires_grad, + backward", tiny_bwd)
    print(f"    -> {r['median_us']/1000:.3f} us/op median")

    def tiny_inplace():
        x = torch.ones(5)
        for _ in range(1000):
            x.add_(1)

    r = bench("1000 x x.add_(1) in-place, no grad", tiny_inplace)
    print(f"    -> {r['median_us']/1000:.3f} us/op median")

    def tiny_np():
        x = np.ones(5, dtype=np.float32)
        for _ in range(1000):
            x = x + 1
        return x

    r = bench("numpy 1000 x (x = x + 1) on 5-elem array", tiny_np)
    print(f"    -> {r['median_us']/1000:.3f} us/op median")

    def tiny_py():
        x = [1.0] * 5
        for _ in range(1000):
            x = [v + 1 for v in x]
        return x

    r = bench("pure-Python list 1000 x (5-elem add)", tiny_py)
    print(f"    -> {r['median_us']/1000:.3f} us/op median")

# ---------------------------------------------------------------- c. CenteredLayer
if "c" in ONLY:
    section("c. CenteredLayer X - X.mean(), 1e6 elements")
    X = torch.randn(1000, 1000)
    nbytes = 3 * 4 * X.numel()  # read (mean) + read + write

    def centered():
        with torch.no_grad():
            return X - X.mean()

    bench("torch X - X.mean() (1000x1000 f32)", centered, bytes_=nbytes)
    Xg = X.clone().requires_grad_(True)

    def centered_fb():
        Xg.grad = None
        (Xg - Xg.mean()).sum().backward()

    bench("torch (X - X.mean()).sum().backward()", centered_fb)
    Xn = X.numpy()
    bench("numpy X - X.mean()", lambda: Xn - Xn.mean(), bytes_=nbytes)
    bench("torch X.mean() alone", lambda: X.mean(), bytes_=4 * X.numel())
    bench("torch X - 1.0 alone", lambda: X - 1.0, bytes_=8 * X.numel())

# ---------------------------------------------------------------- d. Tensor reduction layer
if "d" in ONLY:
    section("d. Tensor reduction y_k = sum_ij W_ijk x_i x_j")
    print(f"    torch.backends.opt_einsum.is_available() = {torch.backends.opt_einsum.is_available()}")
    for (B, I, K) in [(64, 32, 16), (256, 64, 64), (32, 128, 128)]:
        x = torch.randn(B, I)
        W = torch.randn(I, I, K) / I
        xg = x.clone().requires_grad_(True)
        Wg = W.clone().requires_grad_(True)
        fl = 2.0 * B * I * I * K + B * I * I  # gemm + outer product

        def ein(x, W):
            return torch.einsum("bi,ijk,bj->bk", x, W, x)

        def hand(x, W):
            Bn, In = x.shape
            outer = (x[:, :, None] * x[:, None, :]).reshape(Bn, In * In)
            return outer @ W.reshape(In * In, W.shape[2])

        err = (ein(x, W) - hand(x, W)).abs().max().item()
        print(f"    (B,I,K)=({B},{I},{K}) max|einsum-hand| = {err:.2e}")

        def fwd_e():
            with torch.no_grad():
                return ein(x, W)

        def fwd_h():
            with torch.no_grad():
                return hand(x, W)

        def fb(f):
            def g():
                xg.grad = None
                Wg.grad = None
                f(xg, Wg).sum().backward()
            return g

        tag = f"({B},{I},{K})"
        re_ = bench(f"einsum fwd {tag}", fwd_e, fl)
        rh = bench(f"hand outer@W fwd {tag}", fwd_h, fl)
        rebw = bench(f"einsum fwd+bwd (x,W) {tag}", fb(ein))
        rhbw = bench(f"hand outer@W fwd+bwd (x,W) {tag}", fb(hand))
        print(f"    fwd: {'hand' if rh['median_us'] < re_['median_us'] else 'einsum'} faster "
              f"(einsum/hand = {re_['median_us']/rh['median_us']:.2f}); "
              f"fwd+bwd: {'hand' if rhbw['median_us'] < rebw['median_us'] else 'einsum'} faster "
              f"(einsum/hand = {rebw['median_us']/rhbw['median_us']:.2f})")
        xn, Wn = x.numpy(), W.numpy()

        def np_hand():
            outer = (xn[:, :, None] * xn[:, None, :]).reshape(B, I * I)
            return outer @ Wn.reshape(I * I, K)

        bench(f"numpy hand outer@W fwd {tag}", np_hand, fl)

# ---------------------------------------------------------------- e. Half-spectrum Fourier
if "e" in ONLY:
    section("e. Half-spectrum Fourier (last axis)")
    for (R, n) in [(256, 1024), (64, 4096), (16, 65536), (1024, 100)]:
        x = torch.randn(R, n)
        xg = x.clone().requires_grad_(True)
        fl = 2.5 * n * np.log2(n) * R  # nominal real-FFT flop count
        tag = f"({R},{n})"
        h = n // 2

        def f_rfft(x):
            return torch.fft.rfft(x, dim=-1)

        def f_rfft_half(x):
            return torch.fft.rfft(x, dim=-1)[..., :h]

        def f_fft_half(x):
            return torch.fft.fft(x, dim=-1)[..., :h]

        for nm, f in [("rfft", f_rfft), ("rfft[..., :n//2]", f_rfft_half), ("fft[..., :n//2]", f_fft_half)]:
            def fwd(f=f):
                with torch.no_grad():
                    return f(x)

            def fb(f=f):
                xg.grad = None
                torch.view_as_real(f(xg)).sum().backward()

            bench(f"torch {nm} fwd {tag}", fwd, fl)
            bench(f"torch {nm} fwd+bwd (view_as_real.sum) {tag}", fb)

        def fb_abs():
            xg.grad = None
            torch.fft.rfft(xg, dim=-1)[..., :h].abs().sum().backward()

        bench(f"torch rfft[..., :n//2] fwd+bwd (abs.sum) {tag}", fb_abs)
        xn = x.numpy()
        bench(f"numpy.fft.rfft {tag}", lambda: np.fft.rfft(xn, axis=-1), fl)
        bench(f"scipy.fft.rfft workers=1 {tag}", lambda: scipy.fft.rfft(xn, axis=-1, workers=1), fl)
        if args.threads > 1:
            bench(f"scipy.fft.rfft workers={args.threads} {tag}",
                  lambda: scipy.fft.rfft(xn, axis=-1, workers=args.threads), fl)

# ---------------------------------------------------------------- f. gradcheck
if "f" in ONLY:
    section("f. torch.autograd.gradcheck (float64)")
    x = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    W = torch.randn(5, 5, 3, dtype=torch.float64, requires_grad=True)

    def tr(x, W):
        return torch.einsum("bi,ijk,bj->bk", x, W, x)

    def tr_hand(x, W):
        outer = (x[:, :, None] * x[:, None, :]).reshape(x.shape[0], -1)
        return outer @ W.reshape(-1, W.shape[2])

    assert torch.autograd.gradcheck(tr, (x, W))
    bench("gradcheck tensor-reduction einsum (4,5,3)", lambda: torch.autograd.gradcheck(tr, (x, W)), reps=20)
    bench("gradcheck tensor-reduction hand (4,5,3)", lambda: torch.autograd.gradcheck(tr_hand, (x, W)), reps=20)
    bench("gradcheck fast_mode tensor-reduction (4,5,3)",
          lambda: torch.autograd.gradcheck(tr, (x, W), fast_mode=True), reps=20)
    xf = torch.randn(4, 16, dtype=torch.float64, requires_grad=True)

    def four(x):  # complex output (first half of rfft)
        return torch.fft.rfft(x, dim=-1)[..., : x.shape[-1] // 2]

    def four_real(x):
        return torch.view_as_real(torch.fft.rfft(x, dim=-1)[..., : x.shape[-1] // 2])

    assert torch.autograd.gradcheck(four, (xf,))
    bench("gradcheck Fourier half rfft, complex out (4,16)", lambda: torch.autograd.gradcheck(four, (xf,)), reps=20)
    bench("gradcheck Fourier half rfft, view_as_real out (4,16)",
          lambda: torch.autograd.gradcheck(four_real, (xf,)), reps=20)

# ---------------------------------------------------------------- g. safetensors round trip (bonus)
if "g" in ONLY:
    section("g. safetensors save/load of MLP params (bonus)")
    import tempfile
    from safetensors.torch import load_file, save_file
    net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    sd = {k: v.contiguous() for k, v in net.state_dict().items()}
    d = tempfile.mkdtemp()
    p = os.path.join(d, "mlp.safetensors")
    bench("safetensors save_file MLP (203530 params, 814 KB)", lambda: save_file(sd, p))
    bench("safetensors load_file MLP", lambda: load_file(p))

meta = {
    "threads": args.threads,
    "torch": torch.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
    "python": sys.version.split()[0],
    "torch_num_threads": torch.get_num_threads(),
}
print("\n" + json.dumps(meta))
if args.out:
    with open(args.out, "w") as fh:
        json.dump({"meta": meta, "results": RESULTS}, fh, indent=1)
