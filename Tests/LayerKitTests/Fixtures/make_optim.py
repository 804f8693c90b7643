"""Reference parameter trajectories for LayerKit's optimiser tests (OptimizerTests.swift),
computed with torch.optim.

Run from this folder: /work/.refenv/bin/python make_optim.py  (writes optim.json)
Problem: W [3, 2], b [2] minimise mean((X @ W + b - Y)^2) for fixed X [4, 3], Y [4, 2];
a third parameter c [2] is given to the optimiser but never used, so it has no grad and must
stay untouched. Each configuration runs `steps` steps (zero_grad, loss, backward, step), in
float32 and float64, and records every parameter after every step. A configuration may set
a learning rate per step (a schedule), applied to param_groups[0]["lr"] before that step.
"""
import json
import numpy as np
import torch

rng = np.random.default_rng(20261125)
X = rng.standard_normal([4, 3])
Y = rng.standard_normal([4, 2])
W0 = rng.standard_normal([3, 2])
b0 = rng.standard_normal([2])
c0 = rng.standard_normal([2])
STEPS = 6


def flat(a):
    return [float(v) for v in a.detach().double().numpy().reshape(-1)]


configs = [
    ("sgd", "SGD", dict(lr=0.1)),
    ("sgd_wd", "SGD", dict(lr=0.1, weight_decay=0.1)),
    ("sgd_momentum", "SGD", dict(lr=0.1, momentum=0.9)),
    ("sgd_dampening", "SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.05)),
    ("sgd_nesterov", "SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("adam", "Adam", dict(lr=0.1)),
    ("adam_wd", "Adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("adam_amsgrad", "Adam", dict(lr=0.1, amsgrad=True)),
    ("adamw", "AdamW", dict(lr=0.1)),
    ("adamw_wd", "AdamW", dict(lr=0.05, betas=(0.85, 0.95), weight_decay=0.5, amsgrad=True)),
]
schedules = {"sgd_momentum": [0.1, 0.1, 0.1, 0.02, 0.02, 0.02], "adam": [0.1, 0.1, 0.05, 0.05, 0.01, 0.01]}

runs = []
for name, cls, kw in configs:
    for dtype, dt in [("float32", torch.float32), ("float64", torch.float64)]:
        x, y = torch.tensor(X, dtype=dt), torch.tensor(Y, dtype=dt)
        W = torch.tensor(W0, dtype=dt, requires_grad=True)
        b = torch.tensor(b0, dtype=dt, requires_grad=True)
        c = torch.tensor(c0, dtype=dt, requires_grad=True)
        opt = getattr(torch.optim, cls)([W, b, c], **kw)
        trajectory, losses = [], []
        for s in range(STEPS):
            if name in schedules:
                opt.param_groups[0]["lr"] = schedules[name][s]
            opt.zero_grad()
            loss = ((x @ W + b - y) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            trajectory.append({"W": flat(W), "b": flat(b), "c": flat(c)})
        runs.append({"name": name, "optimizer": cls, "dtype": dtype,
                     "options": {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()},
                     "schedule": schedules.get(name), "losses": losses, "steps": trajectory})

with open("optim.json", "w") as f:
    json.dump({"torch": torch.__version__, "X": flat(torch.tensor(X)), "Y": flat(torch.tensor(Y)),
               "W0": flat(torch.tensor(W0)), "b0": flat(torch.tensor(b0)), "c0": flat(torch.tensor(c0)),
               "runs": runs}, f, separators=(",", ":"))
print(f"wrote {len(runs)} runs")
