"""Reference strings for LayerKit's tensor printing: PyTorch's repr(t) for ~50 tensors.

Run from this folder: /work/.refenv/bin/python make_printing.py  (writes printing.json)

Every value is given here explicitly (or by a closed formula), stored in the fixture with
the shape, dtype, requires_grad flag, the op chain applied (for grad_fn suffixes) and the
print options, so the Swift test rebuilds the same tensor and compares the text exactly.
Non-finite values are stored as the strings "nan", "inf", "-inf" (JSON has no NaN).
"""
import json
import math

import torch
from torch._tensor_str import printoptions

cases = []


def encode(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def add(name, values, shape=None, dtype=torch.float32, requires_grad=False, ops=(), options=None):
    """ops: a list of [op, argument] applied in order to the leaf (the Swift test mirrors them)."""
    leaf = torch.tensor(values, dtype=dtype)
    if shape is not None:
        leaf = leaf.reshape(shape)
    leaf.requires_grad_(requires_grad)
    t = leaf
    for op, arg in ops:
        if op == "sub_mean":
            t = t - t.mean()
        elif op == "mean":
            t = t.mean()
        elif op == "sum":
            t = t.sum()
        elif op == "add_self":
            t = t + t
        elif op == "add":
            t = t + arg
        elif op == "mul":
            t = t * arg
        elif op == "reshape":
            t = t.reshape(arg)
        else:
            raise ValueError(op)
    if options:
        with printoptions(**options):
            text = repr(t)
    else:
        text = repr(t)
    cases.append({
        "name": name,
        # the leaf's values as stored (float32 ones widened exactly to double)
        "values": [encode(v) for v in leaf.detach().reshape(-1).double().tolist()],
        "shape": list(leaf.shape),
        "dtype": str(dtype).replace("torch.", ""),
        "requires_grad": requires_grad,
        "ops": [list(o) for o in ops],
        "options": options or {},
        "repr": text,
    })


nan, inf = float("nan"), float("inf")

# The book's cases.
add("book_centered", [-2.0, -1.0, 0.0, 1.0, 2.0])
add("book_mean_grad", [1.0, 2.0, 3.0, 4.0, 5.0], requires_grad=True, ops=[("sub_mean", None), ("mean", None)])
add("aligned_2d", [1.5, -2.25, 100.0, 3.0], shape=[2, 2])

# Integer mode, fixed mode, widths.
add("ints_as_floats", [1.0, 2.0, 3.0])
add("ints_2d_wide", [1.0, -20.0, 300.0, 4.0], shape=[2, 2])
add("negative_fractions", [-0.5, 0.25, -0.125])
add("mixed_widths_sci", [0.1, 12.5, -345.678, 9.99999])  # ratio 3457 > 1000
add("mixed_widths_fixed", [0.5, 12.5, -345.678, 9.99999])
add("negative_zero", [-0.0, 1.0])
add("float32_rounding", [0.1, 0.2, 0.3, 2.675])

# Scientific mode.
add("sci_small", [1e-5, 0.5, 1.0])
add("sci_large", [1e9, 2.0, -3.5])
add("sci_ints", [1e10, 1.0, 5.0])
add("sci_ratio", [0.001, 1.5, 2.0])
add("sci_float32_1e-4", [1e-4, 0.5])  # float32(1e-4) is just below 1e-4
add("sci_2d", [1e-6, -2.5, 3e5, 42.0, 0.0, 7.125], shape=[3, 2])

# dtype suffix.
add("float64", [0.1, 0.2, 0.3], dtype=torch.float64)
add("float64_ints", [1.0, 2.0], dtype=torch.float64)

# requires_grad and grad_fn suffixes, and their wrapping.
add("requires_grad_leaf", [0.5, -1.5], requires_grad=True)
add("float64_requires_grad_wrap", [1.2345, -2.5, 3.75, 4.0625, -5.5, 6.125, 7.0],
    dtype=torch.float64, requires_grad=True)
add("float64_2d_requires_grad", [1.0, 2.5, -3.0, 4.0, 5.0, 6.0], shape=[2, 3],
    dtype=torch.float64, requires_grad=True)
# PyTorch measures the last line as two more than its length: these sit on that boundary.
add("suffix_boundary_requires_grad", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 1.0, 2.0, 3.0, 4.0],
    requires_grad=True)
add("suffix_boundary_grad_fn", [0.25, 0.5, 0.75, 1.25, 1.5, 1.75], requires_grad=True, ops=[("mul", 2.0)])
add("suffix_boundary_2d", [float(10 + i) for i in range(18)], requires_grad=True, ops=[("reshape", [2, 9])])
add("grad_sum", [1.0, 2.0, 3.0, 4.0], shape=[2, 2], requires_grad=True, ops=[("sum", None)])
add("grad_mean_float64", [1.0, 2.0, 4.0, 8.0], dtype=torch.float64, requires_grad=True, ops=[("mean", None)])
add("grad_add_self", [0.25, -1.0, 3.5], requires_grad=True, ops=[("add_self", None)])
add("grad_add_scalar", [0.25, -1.0, 3.5], requires_grad=True, ops=[("add", 2.5)])
add("grad_mul_wrap", [1.25 * i - 3.0 for i in range(8)], requires_grad=True, ops=[("mul", 3.0)])
add("grad_mul_long", [0.5 * i - 7.25 for i in range(30)], requires_grad=True, ops=[("mul", 2.0)])
add("grad_reshape", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], requires_grad=True, ops=[("reshape", [2, 3])])
add("grad_sub_mean", [1.0, 2.0, 3.0, 4.0, 5.0], requires_grad=True, ops=[("sub_mean", None)])

# 0-d.
add("scalar", 3.5)
add("scalar_int", -7.0)
add("scalar_zero", 0.0)
add("scalar_float64", 2.25, dtype=torch.float64)
add("scalar_sci", 1.5e-7)
add("scalar_nan", nan)
add("scalar_requires_grad", 1.0, requires_grad=True)

# Empty.
add("empty", [])
add("empty_0x3", [], shape=[0, 3])
add("empty_2x0_float64", [], shape=[2, 0], dtype=torch.float64)

# Non-finite.
add("nan_inf_fixed", [nan, inf, -inf, 1.5, 0.0])
add("nan_inf_int", [nan, 1.0, -inf, 20.0])
add("nan_inf_sci", [nan, 1e-7, inf, 3.0])
add("all_zeros", [0.0, 0.0, 0.0])
add("all_nonfinite", [nan, inf, -inf])

# More dimensions.
add("three_d", [0.5 * i - 2.75 for i in range(12)], shape=[2, 2, 3])
add("four_d", [float(i) for i in range(8)], shape=[2, 1, 2, 2])
add("three_d_sci", [10.0 ** (i - 6) for i in range(12)], shape=[3, 2, 2])

# Line wrapping of long rows.
add("long_1d_wrap", [1.25 * i - 10.0 for i in range(30)])
add("long_1d_ints", [float(i * 7 - 100) for i in range(50)])
add("long_rows_2d", [0.125 * i for i in range(36)], shape=[2, 18])

# Summarized (more than 1000 elements).
add("summarized_1d_2000", [((i * 37) % 101) / 8.0 - 6.0 for i in range(2000)])
add("summarized_40x40", [((i * 13) % 97) / 4.0 - 12.0 for i in range(1600)], shape=[40, 40])
add("summarized_3d", [float((i * 7) % 23) for i in range(1200)], shape=[12, 10, 10])
add("summarized_2x600", [((i * 11) % 31) / 16.0 for i in range(1200)], shape=[2, 600])
add("summarized_sci", [1e-6 * ((i % 13) + 1) if i % 2 else 1e3 * (i % 7) for i in range(1100)])

# Print options (torch.printoptions).
add("opt_precision_2", [1.12345, -2.5, 3.14159], options={"precision": 2})
add("opt_precision_2_ties", [0.125, 0.375, 2.5], options={"precision": 2})
add("opt_sci_off", [1e-5, 1.0], options={"sci_mode": False})
add("opt_sci_on", [1.0, 2.5], options={"sci_mode": True})
add("opt_threshold_5", [float(i) for i in range(10)], options={"threshold": 5, "edgeitems": 2})
add("opt_linewidth_40", [0.5 * i for i in range(20)], requires_grad=True, options={"linewidth": 40})
add("opt_edgeitems_0", [float(i) for i in range(10)], shape=[2, 5], options={"threshold": 5, "edgeitems": 0})
add("opt_short_profile", [1.0 / 3.0 * i for i in range(1, 6)], options={"profile": "short"})

with open("printing.json", "w") as f:
    # one case per line: small, and diffs stay readable
    f.write('{"torch": %s, "cases": [\n' % json.dumps(torch.__version__))
    f.write(",\n".join(json.dumps(c) for c in cases))
    f.write("\n]}\n")
print(f"wrote {len(cases)} cases to printing.json")
