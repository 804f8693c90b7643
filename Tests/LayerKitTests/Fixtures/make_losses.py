"""Reference values for LayerKit's loss tests (LossTests.swift), computed with PyTorch.

Run from this folder: /work/.refenv/bin/python make_losses.py  (writes losses.json)
Each case stores its inputs (as the exact values of the dtype used), the loss, the seed
gradient passed to backward, and the gradients of the input and (where differentiable)
the target, in float32 and in float64.
"""
import json
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(20261124)


def t(a):
    a = a.detach().double().numpy() if torch.is_tensor(a) else np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


cases = []


def add(name, kind, fn, x, target, reduction, target_grad, dtype, seed=None, **kw):
    dt = {"float32": torch.float32, "float64": torch.float64}[dtype]
    xi = torch.tensor(x, dtype=dt, requires_grad=True)
    integer_target = kind == "ce_index"
    ti = torch.tensor(target, dtype=torch.int64 if integer_target else dt, requires_grad=target_grad)
    out = fn(xi, ti, reduction=reduction, **kw)
    if seed is None:
        seed_t = torch.ones_like(out)
    else:
        seed_t = torch.tensor(seed, dtype=dt)
    out.backward(seed_t)
    cases.append({
        "name": name, "kind": kind, "reduction": reduction, "dtype": dtype,
        "smoothing": kw.get("label_smoothing", 0.0),
        "input": t(xi), "target": t(ti), "seed": t(seed_t), "value": t(out),
        "grad_input": t(xi.grad), "grad_target": t(ti.grad) if target_grad else None,
        "grad_fn": type(out.grad_fn).__name__,
    })


logits = rng.standard_normal([5, 4]) * 2
indices = np.array([0, 3, 1, 1, 2])
probs = rng.random([5, 4])
probs = probs / probs.sum(axis=1, keepdims=True)
single = rng.standard_normal([4])
huge = rng.standard_normal([3, 4]) * 1e4
huge_idx = np.array([2, 0, 1])
mse_x, mse_t = rng.standard_normal([3, 4]), rng.standard_normal([3, 4])
mse_row = rng.standard_normal([4])
bce_x = rng.standard_normal([3, 4]) * 3
bce_x[0, 0], bce_x[1, 2], bce_x[2, 3] = 60.0, -80.0, 1e4
bce_t = rng.random([3, 4])
bce_t[0, 1], bce_t[1, 1] = 0.0, 1.0

for dtype in ["float32", "float64"]:
    for red in ["mean", "sum", "none"]:
        seed5 = rng.standard_normal([5]) if red == "none" else None
        seed34 = rng.standard_normal([3, 4]) if red == "none" else None
        for eps in [0.0, 0.1]:
            add(f"ce_index_{red}_{eps}", "ce_index", F.cross_entropy, logits, indices, red, False, dtype,
                seed5, label_smoothing=eps)
            add(f"ce_prob_{red}_{eps}", "ce_prob", F.cross_entropy, logits, probs, red, True, dtype,
                seed5, label_smoothing=eps)
        add(f"mse_{red}", "mse", F.mse_loss, mse_x, mse_t, red, True, dtype, seed34)
        add(f"bce_{red}", "bce", F.binary_cross_entropy_with_logits, bce_x, bce_t, red, True, dtype, seed34)
    add("ce_single_index", "ce_index", F.cross_entropy, single, np.array(2), "mean", False, dtype)
    add("ce_single_prob", "ce_prob", F.cross_entropy, single, probs[0], "sum", True, dtype)
    add("ce_huge", "ce_index", F.cross_entropy, huge, huge_idx, "mean", False, dtype)
    add("ce_huge_prob", "ce_prob", F.cross_entropy, huge, probs[:3], "mean", True, dtype)
    add("mse_broadcast", "mse", F.mse_loss, mse_x, mse_row, "mean", True, dtype)

with open("losses.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=None, separators=(",", ":"))
print(f"wrote {len(cases)} cases")
