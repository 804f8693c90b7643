"""Reference values for LayerKit's FFT tests (FFTTests), computed with numpy.fft.

Run from this folder: python3 make_fft.py  (writes fft.json)
Inputs come from a seeded numpy generator and are stored in the fixture, so the Swift tests
rebuild the same tensors. Complex results are stored as real arrays with a trailing axis of 2
(real, imaginary), the layout of torch.view_as_real and of LayerKit's rfft.
"""
import json
import numpy as np

rng = np.random.default_rng(20261124)


def t(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


def as_real(z):
    return np.stack([z.real, z.imag], axis=-1)


# rfft: signals of these shapes (last axis transformed): even, odd, n = 1, n = 2, batches.
rfft_cases = []
for shape in [[1], [2], [4], [5], [8], [7], [16], [3, 1], [3, 6], [3, 9], [2, 3, 8], [2, 3, 5]]:
    x = rng.standard_normal(shape)
    rfft_cases.append({"x": t(x), "rfft": t(as_real(np.fft.rfft(x)))})

# irfft: one-sided spectra [..., m, 2] with random imaginary parts everywhere (including DC and
# Nyquist, which numpy ignores), inverted with the default n = 2(m-1) and explicit n: odd,
# truncating (fewer points than the spectrum implies) and padding (more).
irfft_cases = []
for shape, ns in [([2], [None, 1, 2, 3]), ([3], [None, 5, 3, 8]), ([5], [None, 9, 4, 12]),
                  ([3, 4], [None, 7, 6]), ([2, 3, 5], [None, 9, 8]), ([4, 1], [1, 2])]:
    m = shape[-1]
    z = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    for n in ns:
        y = np.fft.irfft(z, n=n)
        irfft_cases.append({"z": t(as_real(z)), "n": -1 if n is None else n, "irfft": t(y)})

with open("fft.json", "w") as f:
    json.dump({"numpy": np.__version__, "rfft": rfft_cases, "irfft": irfft_cases}, f)
print(f"wrote fft.json: {len(rfft_cases)} rfft cases, {len(irfft_cases)} irfft cases")
