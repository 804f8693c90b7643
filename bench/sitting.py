#!/usr/bin/env python3
"""Folds one benchmark sitting into the tables of Notes/benchmarks.md.

Usage: python3 bench/sitting.py DIR
DIR holds the runs of one sitting: lk_t{1,2}_r*.json (layerkit-bench), torch_t{1,2}_r*.json
(bench/bench_torch.py), torchx_t{1,2}_r*.json (bench/bench_torch_extra.py) and
c_ref_t{1,2}*.txt (bench/c_ref.c built, one file per round: c_ref_t2_r1.txt, ...). Each cell
is the median of the runs' medians (the minimum over all samples in brackets); raw C is the
median of the c_ref runs, which alternate with the others like every other side. Prints, per
thread count, the side-by-side table, the geometric mean, and the issue-11 targets marked met
or missed.
"""
import glob
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import EXTRA_IDS, TORCH_TO_ID  # noqa: E402


def fold(paths, mapping=None):
    runs = {}
    for p in paths:
        for r in json.load(open(p))["results"]:
            wid = r["name"] if mapping is None else (mapping.get(r["name"]) or EXTRA_IDS.get(r["name"]))
            if wid:
                runs.setdefault(wid, []).append(r)
    return {w: (statistics.median(r["median_us"] for r in rs), min(r["min_us"] for r in rs), len(rs))
            for w, rs in runs.items()}


def c_ref(path):
    """LayerKit ids → raw C median (us) from one c_ref output."""
    if not os.path.exists(path):
        return {}
    med = {}
    for line in open(path):
        m = re.match(r"(.*?)\s+median\s+([\d.]+) us", line)
        if m:
            med[m.group(1).strip()] = float(m.group(2))
    out = {}
    for name, v in med.items():
        m = re.match(r"linear fwd\s+\(B,in,out\)=\((\d+),(\d+),(\d+)\)", name)
        if m:
            out["linear.fwd.%sx%sx%s" % m.groups()] = v
        m = re.match(r"linear fwd\+bwd \(3 gemm\) \((\d+),(\d+),(\d+)\)", name)
        if m:
            out["linear.fwdbwd.%sx%sx%s" % m.groups()] = v
        if name.startswith("sgemm 1024x1024x1024"):
            out["matmul.fwd.1024"] = v
        m = re.match(r"fftwf r2c \((\d+),(\d+)\)", name)
        if m:
            out["fourier.fwd.%sx%s" % m.groups()] = v
    if "linear.fwdbwd.1024x1024x1024" in out:
        out["matmul.fwdbwd.1024"] = out.pop("linear.fwdbwd.1024x1024x1024")
    out.pop("linear.fwd.1024x1024x1024", None)
    if "linear.fwd.256x784x256" in out and "linear.fwd.256x256x10" in out:
        out["mlp.fwd"] = out["linear.fwd.256x784x256"] + out["linear.fwd.256x256x10"]
    return out


def c_refs(paths):
    """LayerKit ids → the median over several c_ref runs of their medians (us)."""
    runs = [c_ref(p) for p in paths]
    ids = {w for r in runs for w in r}
    return {w: statistics.median(r[w] for r in runs if w in r) for w in ids}


def fmt(v):
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def main(d):
    for t in (2, 1):
        lk = fold(sorted(glob.glob(f"{d}/lk_t{t}_r*.json")))
        th = fold(sorted(glob.glob(f"{d}/torch_t{t}_r*.json")) + sorted(glob.glob(f"{d}/torchx_t{t}_r*.json")), TORCH_TO_ID)
        if not lk:
            continue
        c = c_refs(sorted(glob.glob(f"{d}/c_ref_t{t}*.txt")))
        nl = max((v[2] for v in lk.values()), default=0)
        nt = max((v[2] for v in th.values()), default=0)
        print(f"\n**{t} thread{'s' if t > 1 else ''}** (µs per call: median of {nl} LayerKit runs / {nt} torch runs, min in brackets)\n")
        print("| workload | LayerKit | PyTorch | LayerKit / PyTorch | raw C | LayerKit / C |")
        print("|---|---|---|---|---|---|")
        ratios = {}
        for w in sorted(lk):
            a = lk[w]
            b = th.get(w)
            r = a[0] / b[0] if b else None
            if r is not None:
                ratios[w] = r
            cc = c.get(w)
            print(f"| {w} | {fmt(a[0])} ({fmt(a[1])}) | {fmt(b[0]) + ' (' + fmt(b[1]) + ')' if b else '–'} | "
                  f"{f'{r:.2f}' if r is not None else '–'} | {fmt(cc) if cc else '–'} | {f'{a[0] / cc:.2f}' if cc else '–'} |")
        geo = statistics.geometric_mean(ratios.values()) if ratios else float("nan")
        print(f"\ngeometric mean LayerKit / PyTorch over {len(ratios)} workloads: {geo:.2f}")
        # The workloads of round five's and earlier sittings, for comparing geometric means.
        earlier = [r for w, r in ratios.items() if not w.startswith("reduction.trainstep.")]
        if len(earlier) < len(ratios):
            print(f"(over the {len(earlier)} workloads of earlier sittings, without reduction.trainstep.*: "
                  f"{statistics.geometric_mean(earlier):.2f})")
        print(f"\nTargets at {t} thread(s):\n")
        print("| target | workload | LayerKit / PyTorch (µs) | verdict |")
        print("|---|---|---|---|")

        def row(target, w, limit):
            if w not in ratios:
                print(f"| {target} | {w} | not measured | – |")
                return
            r = ratios[w]
            verdict = "met" if r <= limit else f"**missed** by {r / limit - 1:.0%}"
            print(f"| {target} | {w} | {r:.2f} ({fmt(lk[w][0])} vs {fmt(th[w][0])}) | {verdict} |")
        for w in sorted(x for x in ratios if x.startswith("fourier.fwd.")):
            row("≤ 0.8× PyTorch", w, 0.8)
        for w in sorted(x for x in ratios if x.startswith("fourier.fwdbwd.")):
            row("≤ 0.6× PyTorch", w, 0.6)
        for shape, limit in (("256x64x64", 0.7), ("32x128x128", 0.7), ("64x32x16", 0.8)):
            for kind in ("fwd", "fwdbwd"):
                row(f"≤ {limit}× PyTorch", f"reduction.{kind}.{shape}", limit)
        above = sorted((r, w) for w, r in ratios.items() if r > 0.9)
        print(f"| no workload above 0.9× PyTorch | all {len(ratios)} | "
              f"{len(above)} above: {', '.join(f'{w} {r:.2f}' for r, w in above) or 'none'} | "
              f"{'met' if not above else '**missed**'} |")
        if t == 2:
            print(f"| geometric mean ≤ 0.35 | all {len(ratios)} | {geo:.2f} | {'met' if geo <= 0.35 else f'**missed** by {geo / 0.35 - 1:.0%}'} |")
        for w in ("linear.fwd.256x784x256", "linear.fwdbwd.256x784x256", "linear.fwd.256x256x10",
                  "linear.fwdbwd.256x256x10", "matmul.fwd.1024", "matmul.fwdbwd.1024", "mlp.fwd"):
            if w in lk and w in c:
                q = lk[w][0] / c[w]
                print(f"| within 10% of raw `cblas_sgemm` | {w} | {q:.2f}× C ({fmt(lk[w][0])} vs {fmt(c[w])}) | "
                      f"{'met' if q <= 1.1 else f'**missed** by {q / 1.1 - 1:.0%}'} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
