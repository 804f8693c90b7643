"""Integer, boolean and complex tensors written by PyTorch, for LayerKit's DTypeTests.

Run from this folder with the reference Python (torch, numpy, safetensors):
    /work/.refenv/bin/python make_dtypes.py
Writes:
- dt_torch.safetensors (safetensors.torch.save_file): float32 inputs X, int64 class labels,
  a bool mask, int32 and uint8 tensors, a complex64 (C64) weight;
- dt_int16.safetensors: an int16 tensor LayerKit cannot hold, next to a float32 one;
- dt_state.safetensors: a BatchNorm1d state dict (float buffers and the int64
  num_batches_tracked) after two training steps;
- dtypes.json: every tensor's values (complex as (real, imaginary) pairs), the embedding
  lookup and its weight gradient, cross-entropy of int64 labels, and printed forms.
"""
import json

import torch
from safetensors.torch import save_file

torch.manual_seed(12)
out = {}


def listed(t):
    return {"shape": list(t.shape), "data": [float(x) for x in t.reshape(-1).tolist()]}


# The labels file a PyTorch user has: inputs, int64 labels, a bool mask, other integer widths, cfloat.
X = torch.randn(6, 4)
labels = torch.tensor([3, 0, 2, 1, 3, 2], dtype=torch.int64)
mask = X[:, 0] > 0
w = torch.randn(2, 3, dtype=torch.cfloat)
tensors = {
    "X": X, "labels": labels, "mask": mask,
    "counts": torch.tensor([[-7, 0], [2147483647, -2147483648]], dtype=torch.int32),
    "pixels": torch.tensor([0, 17, 255], dtype=torch.uint8),
    "big": torch.tensor([2**62 + 1, -(2**53) - 1], dtype=torch.int64),
    "spectral": w,
}
save_file(tensors, "dt_torch.safetensors", metadata={"format": "pt"})
out["torch"] = {k: listed(torch.view_as_real(v) if v.is_complex() else v) for k, v in tensors.items()}
out["big_ints"] = [int(x) for x in tensors["big"].tolist()]
out["counts_ints"] = [int(x) for x in tensors["counts"].reshape(-1).tolist()]

save_file({"x": torch.ones(2), "short": torch.tensor([1, -2], dtype=torch.int16)}, "dt_int16.safetensors")

# Cross-entropy with int64 labels (mean) and its gradient.
logits = torch.randn(6, 4, dtype=torch.float64, requires_grad=True)
loss = torch.nn.functional.cross_entropy(logits, labels)
loss.backward()
out["cross_entropy"] = {"logits": listed(logits.detach()), "loss": loss.item(), "grad": listed(logits.grad)}

# Embedding lookup and its weight gradient (repeated indices accumulate).
emb = torch.nn.Embedding(5, 3).double()
ids = torch.tensor([[1, 4, 1, 0], [3, 1, 2, 4]], dtype=torch.int64)
y = emb(ids)
G = torch.randn(2, 4, 3, dtype=torch.float64)
(y * G).sum().backward()
out["embedding"] = {"weight": listed(emb.weight.detach()), "ids": ids.reshape(-1).tolist(), "ids_shape": list(ids.shape),
                    "output": listed(y.detach()), "seed": listed(G), "grad": listed(emb.weight.grad)}

# gather along axis 1 and index_select along axis 0, with their gradients.
src = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
gidx = torch.tensor([[0, 3], [2, 2], [1, 0]], dtype=torch.int64)
g = src.gather(1, gidx)
g.backward(torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=torch.float64))
out["gather"] = {"src": listed(src.detach()), "index": gidx.reshape(-1).tolist(), "output": listed(g.detach()),
                 "grad": listed(src.grad)}

# argmax/argmin of a float matrix (ties: first index), comparisons as masks, promotion.
m = torch.tensor([[1.0, 5.0, 5.0], [-2.0, -7.0, 0.5]])
out["argmax1"] = m.argmax(1).tolist()
out["argmin0"] = m.argmin(0).tolist()
out["argmax_flat"] = int(m.argmax())
out["promotion"] = {
    "int64+float32": str((labels + X[:, 0]).dtype), "int64*2": str((labels * 2).dtype),
    "int64/2": str((labels / 2).dtype), "bool+bool": str((mask + mask).dtype),
    "int32+int64": str((tensors["counts"][0] + labels[:2]).dtype), "uint8+int32": str((tensors["pixels"][:2] + tensors["counts"][0]).dtype),
    "sum(bool)": str(mask.sum().dtype), "int64*0.5": str((labels * 0.5).dtype),
}

# Printing.
out["printed"] = {
    "ints": str(torch.tensor([3, 7])), "neg": str(torch.tensor([[10, -3], [0, 4]])),
    "bools": str(torch.tensor([True, False])), "int32": str(torch.tensor([1, 2], dtype=torch.int32)),
    "uint8": str(torch.tensor([1, 2], dtype=torch.uint8)), "scalar": str(torch.tensor(5)),
    "bool_scalar": str(torch.tensor(True)), "empty": str(torch.tensor([], dtype=torch.int64)),
    "empty_bool": str(torch.zeros(2, 0, dtype=torch.bool)), "long": str(torch.arange(2000)),
}

# A BatchNorm1d state dict: float running stats and the int64 num_batches_tracked.
bn = torch.nn.BatchNorm1d(3)
for _ in range(2):
    bn(torch.randn(8, 3))
state = {k: v.contiguous() for k, v in bn.state_dict().items()}
save_file(state, "dt_state.safetensors")
out["state"] = {k: listed(v) for k, v in state.items()}
out["state_dtypes"] = {k: str(v.dtype) for k, v in state.items()}

# Integer pow and clamp stay integer (uint8 and int32 wrap); a fractional exponent or bound
# promotes to float; a tensor exponent below zero gives 0 unless the base is ±1.
base = torch.tensor([-3, -1, 0, 1, 2, 5, 7, -6], dtype=torch.int64)
exps = torch.tensor([2, 0, 3, 1, 2, 1, -1, -2], dtype=torch.int64)
powered = {
    "pow2": base ** 2, "pow3": base ** 3, "pow0": base.pow(0), "pow1": base.pow(1), "pow_tensor": base.pow(exps),
    "pow_neg_tensor": base.pow(torch.full_like(base, -1)), "pow_uint8": torch.tensor([2, 3, 16], dtype=torch.uint8) ** 9,
    "pow_int32": torch.tensor([3, -2, 46341], dtype=torch.int32) ** 2, "pow_bool": torch.tensor([True, False]) ** 2,
    "pow_half": torch.tensor([0, 1, 4, 7]).pow(0.5), "clamp": base.clamp(-2, 3), "clamp_min": base.clamp(min=0), "clamp_max": base.clamp(max=1),
    "clamp_frac": base.clamp(min=0.5), "clamp_uint8": torch.tensor([0, 17, 255], dtype=torch.uint8).clamp(10, 200),
    "clamp_bool": torch.tensor([True, False]).clamp(0, 1),
}
out["integer_math"] = {k: {"dtype": str(v.dtype), "data": [float(x) for x in v.reshape(-1).tolist()]}
                       for k, v in powered.items()}
out["integer_math_base"] = base.tolist()
out["integer_math_exps"] = exps.tolist()

with open("dtypes.json", "w") as f:
    json.dump(out, f, indent=1)
