"""Reference values for LayerKit's float32 GELU (Ops/NormalCDF.swift), computed with scipy in float64.

Run from this folder: python3 make_gelu_float32.py  (writes gelu_float32.json)
The inputs are float32 numbers (rounded here, stored exactly as float64) over [-16, 16]: a dense
grid, the tails where Φ(x) is tiny or 1 − Φ(x) is tiny, values near 0, and seeded random draws.
For each: Φ(x) = scipy.special.ndtr(x), GELU x·Φ(x) (PyTorch's exact `F.gelu`), and its
derivative Φ(x) + x·φ(x), all in float64.
"""
import json
import numpy as np
from scipy.special import ndtr

rng = np.random.default_rng(20261201)
x = np.concatenate([
    np.linspace(-16, 16, 2001),
    -np.logspace(-8, np.log10(16), 200), np.logspace(-8, np.log10(16), 200),
    rng.standard_normal(1000) * 3,
    np.array([0.0, -0.0, 1e-30, -1e-30, 13.0, -13.0, -13.1, 9.0, -9.0]),
]).astype(np.float32).astype(np.float64)
cdf = ndtr(x)
pdf = np.exp(-x * x / 2) / np.sqrt(2 * np.pi)
out = {"x": [float(v) for v in x], "cdf": [float(v) for v in cdf],
       "gelu": [float(v) for v in x * cdf], "grad": [float(v) for v in cdf + x * pdf]}
with open("gelu_float32.json", "w") as f:
    json.dump(out, f)
