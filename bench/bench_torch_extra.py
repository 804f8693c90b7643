#!/usr/bin/env python3
"""PyTorch counterparts of LayerKit workloads that bench/bench_torch.py does not time.

Usage:  /work/.refenv/bin/python bench/bench_torch_extra.py --threads 2 --out torch_extra_t2.json

Same timing rules as bench_torch.py (warm-up >= 3 calls and >= 0.2 s, then REPS samples of
>= ~1 ms each; median and min per call, in microseconds). Result names are LayerKit's
workload ids, so bench/compare.py matches them directly.

  gradcheck.reduction.16x8   torch.autograd.gradcheck (float64, default settings) of the tensor
                             reduction y = (x ⊗ x) @ W.reshape(-1, K) ("hand outer@W", the variant
                             compare.py uses for gradcheck.reduction.4x5x3) for x [4, 16], W [16, 16, 8]
                             — both x and W checked, as LayerKit's workload does.

  reduction.trainstep.BxIxK  one SGD step (lr 1e-4) of that reduction's weight, loss y.sum(), for the
                             three shapes of reduction.fwd/fwdbwd; x is data (no gradient).

grade.tensor-reduction.* have no PyTorch counterpart (there is no PyTorch grader).
"""
import argparse

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--reps", type=int, default=30)
ap.add_argument("--out", default=None)
args = ap.parse_args()

from torch_timing import Timer, torch_with_threads  # noqa: E402

torch = torch_with_threads(args.threads)
timer = Timer(args.reps)
bench = timer.bench


x = torch.randn(4, 16, dtype=torch.float64, requires_grad=True)
W = torch.randn(16, 16, 8, dtype=torch.float64, requires_grad=True)


def tr_hand(x, W):
    outer = (x[:, :, None] * x[:, None, :]).reshape(x.shape[0], -1)
    return outer @ W.reshape(-1, W.shape[2])


def tr_einsum(x, W):
    return torch.einsum("bi,ijk,bj->bk", x, W, x)


assert torch.autograd.gradcheck(tr_hand, (x, W))
bench("gradcheck.reduction.16x8", lambda: torch.autograd.gradcheck(tr_hand, (x, W)), reps=10)
bench("gradcheck.reduction.16x8 (einsum)", lambda: torch.autograd.gradcheck(tr_einsum, (x, W)), reps=10)

# One SGD step of the reduction layer (W only; x is data), the "hand outer@W" variant that
# compare.py uses for reduction.fwd/fwdbwd: the weight changes every step.
for (B, I, K) in [(64, 32, 16), (256, 64, 64), (32, 128, 128)]:
    xs = torch.randn(B, I)
    Ws = torch.nn.Parameter(torch.randn(I, I, K) / I)
    opt = torch.optim.SGD([Ws], lr=1e-4)

    def step(xs=xs, Ws=Ws, opt=opt):
        opt.zero_grad(set_to_none=True)
        tr_hand(xs, Ws).sum().backward()
        opt.step()

    bench(f"reduction.trainstep.{B}x{I}x{K}", step)

if args.out:
    timer.write(args.out, {"threads": args.threads, "torch": torch.__version__})
