"""Reference values for LayerKit's quadraticForm tests (QuadraticFormTests), with numpy.einsum.

Run from this folder: python3 make_quadratic.py  (writes quadratic.json)
For x [B, I], W [I, I, K] and an upstream gradient G [B, K]:
  y  = einsum("bi,ijk,bj->bk", x, W, x)
  dx = einsum("bk,ijk,bj->bi", G, W, x) + einsum("bk,ijk,bi->bj", G, W, x)
  dW = einsum("bk,bi,bj->ijk", G, x, x)
"""
import json
import numpy as np

rng = np.random.default_rng(20261201)


def t(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


cases = []
for b, i, k in [(4, 5, 3), (3, 1, 2), (1, 2, 1), (7, 8, 6), (5, 17, 4), (2, 33, 9)]:
    x = rng.standard_normal((b, i))
    w = rng.standard_normal((i, i, k))
    g = rng.standard_normal((b, k))
    y = np.einsum("bi,ijk,bj->bk", x, w, x)
    dx = np.einsum("bk,ijk,bj->bi", g, w, x) + np.einsum("bk,ijk,bi->bj", g, w, x)
    dw = np.einsum("bk,bi,bj->ijk", g, x, x)
    cases.append({"x": t(x), "w": t(w), "g": t(g), "y": t(y), "dx": t(dx), "dw": t(dw)})

with open("quadratic.json", "w") as f:
    json.dump({"numpy": np.__version__, "cases": cases}, f)
print(f"wrote quadratic.json: {len(cases)} cases")
