"""The timing harness of the PyTorch-side scripts in bench/ (bench_torch_extra.py,
bench_research_torch.py), with the rules of bench/bench_torch.py and LayerKit's
Harness: warm-up (>= 3 calls and >= 0.2 s), then `reps` samples; a sample repeats a fast call
until it lasts about 1 ms; per-call median and minimum in microseconds, under LayerKit's ids.
"""
import json
import os
import time


def torch_with_threads(threads):
    """Sets the thread variables before torch is first imported, then torch's own count and seed."""
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[v] = str(threads)
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    return torch


class Timer:
    def __init__(self, reps, only=None):
        self.reps, self.only, self.results = reps, only, []

    def bench(self, name, fn, reps=None):
        """Times `fn` under `name` (skipped unless `only` is part of it) and prints the result."""
        if self.only and self.only not in name:
            return
        reps = reps or self.reps
        t0 = time.perf_counter()
        n = 0
        while n < 3 or time.perf_counter() - t0 < 0.2:
            fn()
            n += 1
        per = (time.perf_counter() - t0) / n
        inner = max(1, int(1e-3 / per)) if per < 1e-3 else 1
        samples = []
        for _ in range(reps):
            a = time.perf_counter()
            for _ in range(inner):
                fn()
            samples.append((time.perf_counter() - a) / inner * 1e6)
        samples.sort()
        m = len(samples) // 2
        median = samples[m] if len(samples) % 2 else 0.5 * (samples[m - 1] + samples[m])
        self.results.append({"name": name, "median_us": median, "min_us": samples[0], "reps": reps, "inner": inner})
        print(f"{name:40s} median {median:11.2f} us  min {samples[0]:11.2f} us" + (f"  [x{inner}]" if inner > 1 else ""),
              flush=True)

    def write(self, path, meta):
        """The results as the JSON compare.py and sitting.py read."""
        with open(path, "w") as f:
            json.dump({"meta": meta, "results": self.results}, f, indent=1)
        print("wrote", path)
