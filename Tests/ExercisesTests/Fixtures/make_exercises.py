"""Reference values for the exercise solutions, computed with numpy.

Run from this folder: python3 make_exercises.py  (writes exercises.json)
- tensor reduction: y = einsum("bi,ijk,bj->bk", x, W, x) (+ b), for several shapes;
- Fourier half spectrum: numpy.fft.rfft(x)[..., :n//2] and the full one-sided spectrum,
  as (real, imag) pairs, for even and odd n, n = 1 and batch shapes.
"""
import json
import numpy as np

rng = np.random.default_rng(5)


def t(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


reduction = []
for lead, i, k, bias in [([4], 5, 3, False), ([2, 3], 4, 2, True), ([1], 1, 1, False), ([6], 3, 1, True), ([2], 1, 4, False)]:
    x = rng.standard_normal(lead + [i])
    w = rng.standard_normal([i, i, k])
    b = rng.standard_normal([k])
    y = np.einsum("...i,ijk,...j->...k", x, w, x) + (b if bias else 0)
    reduction.append({"x": t(x), "w": t(w), "b": t(b), "bias": bias, "y": t(y)})

fourier = []
for shape in [[8], [3, 7], [2, 3, 16], [4, 1], [5, 2], [2, 9]]:
    x = rng.standard_normal(shape)
    n = shape[-1]
    spec = np.fft.rfft(x, axis=-1)
    half = spec[..., : n // 2]
    fourier.append({"x": t(x), "half": t(np.stack([half.real, half.imag], axis=-1)),
                    "full": t(np.stack([spec.real, spec.imag], axis=-1))})

with open("exercises.json", "w") as f:
    json.dump({"reduction": reduction, "fourier": fourier}, f)
print("wrote exercises.json")
