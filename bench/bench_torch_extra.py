#!/usr/bin/env python3
"""PyTorch counterparts of LayerKit workloads that shared/bench-ref/bench_torch.py does not time.

Usage:  /work/.refenv/bin/python bench/bench_torch_extra.py --threads 2 --out torch_extra_t2.json

Same timing rules as bench_torch.py (warm-up >= 3 calls and >= 0.2 s, then REPS samples of
>= ~1 ms each; median and min per call, in microseconds). Result names are LayerKit's
workload ids, so bench/compare.py matches them directly.

  gradcheck.reduction.16x8   torch.autograd.gradcheck (float64, default settings) of the tensor
                             reduction y = (x ⊗ x) @ W.reshape(-1, K) ("hand outer@W", the variant
                             compare.py uses for gradcheck.reduction.4x5x3) for x [4, 16], W [16, 16, 8]
                             — both x and W checked, as LayerKit's workload does.

grade.tensor-reduction.* have no PyTorch counterpart (there is no PyTorch grader).
"""
import argparse
import json
import os

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--reps", type=int, default=30)
ap.add_argument("--out", default=None)
args = ap.parse_args()
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = str(args.threads)

import time  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(0)
RESULTS = []


def bench(name, fn, reps=None):
    reps = reps or args.reps
    t0 = time.perf_counter()
    n = 0
    while n < 3 or time.perf_counter() - t0 < 0.2:
        fn()
        n += 1
    per = (time.perf_counter() - t0) / n
    inner = max(1, int(1e-3 / per)) if per < 1e-3 else 1
    ts = []
    for _ in range(reps):
        a = time.perf_counter()
        for _ in range(inner):
            fn()
        ts.append((time.perf_counter() - a) / inner)
    ts.sort()
    med = ts[len(ts) // 2] if len(ts) % 2 else 0.5 * (ts[len(ts) // 2 - 1] + ts[len(ts) // 2])
    RESULTS.append({"name": name, "median_us": med * 1e6, "min_us": ts[0] * 1e6, "reps": reps, "inner": inner})
    print(f"{name:<40s} median {med*1e6:11.2f} us  min {ts[0]*1e6:11.2f} us", flush=True)


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

if args.out:
    with open(args.out, "w") as fh:
        json.dump({"meta": {"threads": args.threads, "torch": torch.__version__}, "results": RESULTS}, fh, indent=1)
    print(f"wrote {args.out}")
