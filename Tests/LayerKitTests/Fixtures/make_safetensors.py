"""Safetensors files written by Python, and their values, for LayerKit's SafetensorsTests.

Run from this folder with a Python that has numpy, safetensors and torch:
    /work/.refenv/bin/python make_safetensors.py
Writes st_numpy.safetensors, st_half.safetensors, st_int64.safetensors (safetensors.numpy.save_file),
st_torch.safetensors (safetensors.torch.save_file) and safetensors.json, which lists for each file
its metadata and its tensors in data-offset order: name, safetensors dtype, shape, the values as
float64 ("data", for reading) and their float64 bit patterns ("bits", hex, for exact comparison;
float32/float16/bfloat16 widen to float64 without rounding).
"""
import json
import struct

import numpy as np
from safetensors.numpy import save_file as save_numpy

try:
    import torch
    from safetensors.torch import save_file as save_torch
except ImportError as error:  # the torch fixture is part of the suite: do not silently drop it
    raise SystemExit(f"make_safetensors.py needs torch ({error}); use /work/.refenv/bin/python")

rng = np.random.default_rng(20261124)


def entries(path):
    """The header of a safetensors file: metadata and tensor entries in data-offset order."""
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    metadata = header.pop("__metadata__", None)
    order = sorted(header.items(), key=lambda kv: (kv[1]["data_offsets"], kv[0]))
    return metadata, order


def bits(x):
    """The float64 bit pattern as 16 hex digits: exact, whatever JSON reader parses the fixture."""
    return f"{struct.unpack('<Q', struct.pack('<d', x))[0]:016x}"


def describe(path, values):
    """The JSON record of one file: `values` maps names to float64 numpy arrays."""
    metadata, order = entries(path)
    tensors = []
    for name, info in order:
        v = np.asarray(values[name], dtype=np.float64)
        assert list(v.shape) == info["shape"], (name, v.shape, info["shape"])
        flat = [float(x) for x in v.reshape(-1)]
        tensors.append({"name": name, "dtype": info["dtype"], "shape": info["shape"], "data": flat,
                        "bits": [bits(x) for x in flat]})
    return {"file": path.removesuffix(".safetensors"), "metadata": metadata, "tensors": tensors}


out = {}

# numpy: float32 and float64, a 0-d tensor, empty tensors, a name that needs JSON escaping.
numpy_tensors = {
    "weight": rng.standard_normal((2, 3)).astype(np.float32),
    "bias": rng.standard_normal(3).astype(np.float32),
    "scale": np.array(1.5, dtype=np.float32),
    "empty": np.zeros(0, dtype=np.float32),
    "double": rng.standard_normal((2, 2)),
    "double_empty": np.zeros((2, 0), dtype=np.float64),
    'odd "name"\té/0': np.array([-0.0, 1e-40, 3.4e38], dtype=np.float32),
}
save_numpy(numpy_tensors, "st_numpy.safetensors", metadata={"source": "numpy"})
out["numpy"] = describe("st_numpy.safetensors", numpy_tensors)

# numpy float16: normal, subnormal, signed zero and the largest half; read back as float32.
half = {"half": np.array([0.333, -2.5, 6e-8, -0.0, 65504.0], dtype=np.float16)}
save_numpy(half, "st_half.safetensors")
out["half"] = describe("st_half.safetensors", half)

# numpy int64: a dtype LayerKit does not hold (the test expects a clear error naming "ids").
save_numpy({"ids": np.arange(3, dtype=np.int64), "x": np.ones(2, dtype=np.float32)}, "st_int64.safetensors")

# torch: a Linear layer's state dict, a bfloat16 tensor and a float64 scalar.
torch.manual_seed(0)
linear = torch.nn.Linear(3, 2)
torch_tensors = {
    "weight": linear.weight.detach().contiguous(),
    "bias": linear.bias.detach().contiguous(),
    "bf16": torch.tensor([[1.0, -0.1], [3.14159, 1e-3]], dtype=torch.bfloat16),
    "step": torch.tensor(7.25, dtype=torch.float64),
}
save_torch(torch_tensors, "st_torch.safetensors", metadata={"format": "pt"})
out["torch"] = describe("st_torch.safetensors", {k: v.double().numpy() for k, v in torch_tensors.items()})

with open("safetensors.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
