"""Reference values for LayerKit's core op tests, computed with numpy.

Run from this folder: python3 make_core.py  (writes core.json)
Inputs are fixed by a seeded numpy generator and stored in the fixture, so the Swift tests
rebuild the same tensors and compare outputs.
"""
import json
import numpy as np

rng = np.random.default_rng(20261123)


def t(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


cases = {}

# Broadcasting arithmetic: (name, shape_a, shape_b)
bshapes = [("same", [2, 3], [2, 3]), ("scalar", [2, 3], []), ("row", [4, 3], [3]),
           ("column", [4, 1], [1, 5]), ("batch", [2, 1, 3], [4, 1]), ("lead", [3], [2, 2, 3])]
arith = []
for name, sa, sb in bshapes:
    a = rng.standard_normal(sa)
    b = rng.standard_normal(sb) + 3.0  # away from zero for division
    arith.append({"name": name, "a": t(a), "b": t(b), "add": t(a + b), "sub": t(a - b),
                  "mul": t(a * b), "div": t(a / b), "maximum": t(np.maximum(a, b)),
                  "minimum": t(np.minimum(a, b)), "pow": t(np.abs(a) ** b)})
cases["arith"] = arith

x = rng.standard_normal([3, 4])
cases["unary"] = {"x": t(x), "exp": t(np.exp(x)), "log_abs": t(np.log(np.abs(x))),
                  "sqrt_abs": t(np.sqrt(np.abs(x))), "abs": t(np.abs(x)), "relu": t(np.maximum(x, 0)),
                  "sigmoid": t(1 / (1 + np.exp(-x))), "tanh": t(np.tanh(x)),
                  "clamp": t(np.clip(x, -0.5, 0.5)), "pow3": t(x ** 3)}

r = rng.standard_normal([2, 3, 4])
red = {"x": t(r), "sum": t(r.sum()), "mean": t(r.mean()), "max": t(r.max()), "min": t(r.min())}
for ax in [0, 1, 2, -1]:
    red[f"sum_{ax}"] = t(r.sum(axis=ax))
    red[f"mean_{ax}"] = t(r.mean(axis=ax))
    red[f"max_{ax}"] = t(r.max(axis=ax))
    red[f"min_{ax}"] = t(r.min(axis=ax))
    red[f"argmax_{ax}"] = t(r.argmax(axis=ax))
    m = r.max(axis=ax, keepdims=True)
    red[f"logsumexp_{ax}"] = t((m + np.log(np.exp(r - m).sum(axis=ax, keepdims=True))).squeeze(ax))
red["sum_0_2_keep"] = t(r.sum(axis=(0, 2), keepdims=True))
red["var"] = t(r.var(ddof=1))
red["var_1"] = t(r.var(axis=1, ddof=1))
red["argmax"] = t(r.argmax())
cases["reductions"] = red

mm = []
for sa, sb in [([3, 4], [4, 5]), ([4], [4]), ([3, 4], [4]), ([4], [4, 2]), ([2, 3, 4], [4, 5]),
               ([2, 1, 3, 4], [3, 4, 2]), ([5, 1, 2], [2])]:
    a = rng.standard_normal(sa)
    b = rng.standard_normal(sb)
    mm.append({"a": t(a), "b": t(b), "out": t(np.matmul(a, b))})
cases["matmul"] = mm

lin_x = rng.standard_normal([4, 3])
lin_w = rng.standard_normal([2, 3])
lin_b = rng.standard_normal([2])
cases["linear"] = {"x": t(lin_x), "w": t(lin_w), "b": t(lin_b), "out": t(lin_x @ lin_w.T + lin_b)}

p = rng.standard_normal([2, 3, 4])
cases["permute"] = {"x": t(p), "p201": t(p.transpose(2, 0, 1)), "t12": t(p.swapaxes(1, 2))}
cases["linspace"] = t(np.linspace(-1, 2, 7))
cases["arange"] = t(np.arange(0.5, 3.0, 0.75))

with open("core.json", "w") as f:
    json.dump(cases, f)
print("wrote core.json")
