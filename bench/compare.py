#!/usr/bin/env python3
"""Side-by-side table: LayerKit's benchmark JSON against bench_torch.py's JSON.

(Reads bench/bench_torch.py's JSON and also bench/bench_torch_extra.py's JSON,
whose result names already are LayerKit's workload ids: pass both torch files.)

Usage: python3 compare.py LAYERKIT.json TORCH.json [more TORCH.json ...]

Both files have the form {"meta": {...}, "results": [{"name": ..., "median_us": ..., "min_us": ...}]}.
LayerKit's names are the workload ids listed in README.md; the torch names are mapped onto
those ids below. The ratio is LayerKit / torch: below 1.0 LayerKit is faster.
"""
import json
import statistics
import sys

TORCH_TO_ID = {
    "Linear fwd (no_grad) (256,784,256)": "linear.fwd.256x784x256",
    "Linear fwd+bwd, x.requires_grad (3 GEMM) (256,784,256)": "linear.fwdbwd.256x784x256",
    "Linear fwd (no_grad) (256,256,10)": "linear.fwd.256x256x10",
    "Linear fwd+bwd, x.requires_grad (3 GEMM) (256,256,10)": "linear.fwdbwd.256x256x10",
    "torch.mm 1024^3 fwd": "matmul.fwd.1024",
    "torch.mm 1024^3 fwd+bwd (loss=sum, 3 GEMM)": "matmul.fwdbwd.1024",
    "MLP 784-256-10 train step (B=256, CE, SGD 0.1)": "mlp.trainstep",
    "MLP forward only (no_grad)": "mlp.fwd",
    "1000 x (x = x + 1) on 5-elem tensor, no grad": "tinyop.add.x1000",
    "1000 x (x = x + 1) on 5-elem tensor, requires_grad": "tinyop.addgrad.x1000",
    "1000 x (x = x + 1), requires_grad, + backward": "tinyop.addgradbwd.x1000",
    "torch X - X.mean() (1000x1000 f32)": "centered.fwd.1000x1000",
    "torch (X - X.mean()).sum().backward()": "centered.fwdbwd.1000x1000",
    "gradcheck tensor-reduction hand (4,5,3)": "gradcheck.reduction.4x5x3",
    "gradcheck Fourier half rfft, view_as_real out (4,16)": "gradcheck.fourier.4x16",
    "safetensors save_file MLP (203530 params, 814 KB)": "safetensors.save.mlp",
    "safetensors load_file MLP": "safetensors.load.mlp",
}
for shape in ["64,32,16", "256,64,64", "32,128,128"]:
    tag = shape.replace(",", "x")
    TORCH_TO_ID[f"hand outer@W fwd ({shape})"] = f"reduction.fwd.{tag}"
    TORCH_TO_ID[f"hand outer@W fwd+bwd (x,W) ({shape})"] = f"reduction.fwdbwd.{tag}"
for shape in ["256,1024", "64,4096", "16,65536", "1024,100"]:
    tag = shape.replace(",", "x")
    TORCH_TO_ID[f"torch rfft[..., :n//2] fwd ({shape})"] = f"fourier.fwd.{tag}"
    TORCH_TO_ID[f"torch rfft[..., :n//2] fwd+bwd (view_as_real.sum) ({shape})"] = f"fourier.fwdbwd.{tag}"

# Workloads timed by bench/bench_torch_extra.py under their LayerKit ids.
EXTRA_IDS = {wid: wid for wid in ["gradcheck.reduction.16x8"] + [
    f"reduction.trainstep.{shape}" for shape in ("64x32x16", "256x64x64", "32x128x128")]}


def load(path):
    with open(path) as fh:
        return json.load(fh)["results"]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    ours = {r["name"]: r for r in load(sys.argv[1])}
    theirs = {}
    for path in sys.argv[2:]:
        for r in load(path):
            wid = TORCH_TO_ID.get(r["name"]) or EXTRA_IDS.get(r["name"])
            if wid:
                theirs.setdefault(wid, []).append(r)
    print(f"| workload | LayerKit median us | torch median us | ratio (median) | ratio (min) |")
    print("|---|---|---|---|---|")
    ratios = []
    for wid in sorted(set(ours) | set(theirs)):
        o = ours.get(wid)
        t = theirs.get(wid)
        tmed = statistics.median(r["median_us"] for r in t) if t else None
        tmin = min(r["min_us"] for r in t) if t else None
        if o and t:
            rm = o["median_us"] / tmed
            rn = o["min_us"] / tmin
            ratios.append(rm)
            print(f"| {wid} | {o['median_us']:.1f} | {tmed:.1f} | {rm:.2f} | {rn:.2f} |")
        elif o:
            print(f"| {wid} | {o['median_us']:.1f} | – | – | – |")
        else:
            print(f"| {wid} | missing | {tmed:.1f} | – | – |")
    if ratios:
        geo = statistics.geometric_mean(ratios)
        print(f"\ngeometric mean ratio over {len(ratios)} workloads: {geo:.2f} (below 1.0: LayerKit faster)")


if __name__ == "__main__":
    main()
