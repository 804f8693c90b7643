"""Reference values for the quadraticForm tile-kernel tests (FoldedWeightCacheTests), with numpy.einsum.

Run from this folder: python3 make_quadratic_panels.py  (writes quadratic_panels.json)
Ragged shapes for the kernel's tiles: B not a multiple of 8 (and B = 1), I not a multiple of
8 or 32 (so the P = I(I+1)/2 pairs end inside a 32-pair panel), K not a multiple of 32.
Inputs are float32 values (so the float32 tests read them exactly); all values are written
with 9 significant digits (the tests compare in float32, to 1e-4).
For x [B, I], W [I, I, K] and an upstream gradient G [B, K]:
  y  = einsum("bi,ijk,bj->bk", x, W, x)
  dx = einsum("bk,ijk,bj->bi", G, W, x) + einsum("bk,ijk,bi->bj", G, W, x)
  dW = einsum("bk,bi,bj->ijk", G, x, x)
"""
import numpy as np

rng = np.random.default_rng(20261202)


def t(a):
    a = np.asarray(a, dtype=np.float64)
    data = ",".join("%.9g" % v for v in a.reshape(-1))
    return '{"shape": [%s], "data": [%s]}' % (",".join(str(n) for n in a.shape), data)


cases = []
for b, i, k in [(1, 19, 40), (9, 13, 33), (5, 9, 64), (3, 33, 32), (10, 8, 48), (2, 21, 37), (17, 6, 35)]:
    x = rng.standard_normal((b, i)).astype(np.float32).astype(np.float64)
    w = rng.standard_normal((i, i, k)).astype(np.float32).astype(np.float64)
    g = rng.standard_normal((b, k)).astype(np.float32).astype(np.float64)
    y = np.einsum("bi,ijk,bj->bk", x, w, x)
    dx = np.einsum("bk,ijk,bj->bi", g, w, x) + np.einsum("bk,ijk,bi->bj", g, w, x)
    dw = np.einsum("bk,bi,bj->ijk", g, x, x)
    fields = {"x": x, "w": w, "g": g, "y": y, "dx": dx, "dw": dw}
    cases.append("{" + ", ".join('"%s": %s' % (name, t(v)) for name, v in fields.items()) + "}")

with open("quadratic_panels.json", "w") as f:
    f.write('{"numpy": "%s", "cases": [\n%s\n]}\n' % (np.__version__, ",\n".join(cases)))
print(f"wrote quadratic_panels.json: {len(cases)} cases")
