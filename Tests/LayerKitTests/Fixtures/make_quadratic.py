"""Reference values for LayerKit's quadraticForm tests, with numpy.einsum.

Run from this folder: python3 make_quadratic.py  (writes quadratic.json and quadratic_panels.json)
For x [B, I], W [I, I, K] and an upstream gradient G [B, K]:
  y  = einsum("bi,ijk,bj->bk", x, W, x)
  dx = einsum("bk,ijk,bj->bi", G, W, x) + einsum("bk,ijk,bi->bj", G, W, x)
  dW = einsum("bk,bi,bj->ijk", G, x, x)

quadratic.json (QuadraticFormTests, FoldedWeightCacheTests): small shapes, float64 inputs.
quadratic_panels.json (FoldedWeightCacheTests, the tile kernel): ragged shapes for the kernel's
tiles: B not a multiple of 8 (and B = 1), I not a multiple of 8 or 32 (so the P = I(I+1)/2
pairs end inside a 32-pair panel), K not a multiple of 32. Inputs are float32 values (so the
float32 tests read them exactly); all values are written with 9 significant digits (the tests
compare in float32, to 1e-4).
"""
import json
import numpy as np


def case(rng, b, i, k, float32_inputs=False):
    def draw(shape):
        a = rng.standard_normal(shape)
        return a.astype(np.float32).astype(np.float64) if float32_inputs else a

    x, w, g = draw((b, i)), draw((i, i, k)), draw((b, k))
    y = np.einsum("bi,ijk,bj->bk", x, w, x)
    dx = np.einsum("bk,ijk,bj->bi", g, w, x) + np.einsum("bk,ijk,bi->bj", g, w, x)
    dw = np.einsum("bk,bi,bj->ijk", g, x, x)
    return {"x": x, "w": w, "g": g, "y": y, "dx": dx, "dw": dw}


def full_precision(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


def nine_digits(a):
    a = np.asarray(a, dtype=np.float64)
    data = ",".join("%.9g" % v for v in a.reshape(-1))
    return '{"shape": [%s], "data": [%s]}' % (",".join(str(n) for n in a.shape), data)


rng = np.random.default_rng(20261201)
cases = [case(rng, *shape) for shape in [(4, 5, 3), (3, 1, 2), (1, 2, 1), (7, 8, 6), (5, 17, 4), (2, 33, 9)]]
with open("quadratic.json", "w") as f:
    json.dump({"numpy": np.__version__, "cases": [{n: full_precision(v) for n, v in c.items()} for c in cases]}, f)
print(f"wrote quadratic.json: {len(cases)} cases")

rng = np.random.default_rng(20261202)
shapes = [(1, 19, 40), (9, 13, 33), (5, 9, 64), (3, 33, 32), (10, 8, 48), (2, 21, 37), (17, 6, 35)]
cases = [case(rng, *shape, float32_inputs=True) for shape in shapes]
lines = ["{" + ", ".join('"%s": %s' % (n, nine_digits(v)) for n, v in c.items()) + "}" for c in cases]
with open("quadratic_panels.json", "w") as f:
    f.write('{"numpy": "%s", "cases": [\n%s\n]}\n' % (np.__version__, ",\n".join(lines)))
print(f"wrote quadratic_panels.json: {len(cases)} cases")
