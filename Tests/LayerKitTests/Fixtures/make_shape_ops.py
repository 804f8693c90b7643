"""Reference values for LayerKit's shape-op tests (ShapeOpsTests), computed with numpy.

Run from this folder: python3 make_shape_ops.py  (writes shape_ops.json)
Inputs come from a seeded numpy generator and are stored in the fixture, so the Swift tests
rebuild the same tensors and compare outputs.

Subscript entries are stored as JSON: an int is one position, ":" the whole axis, "..." an
ellipsis, and {"start": a, "end": b} (either may be null) a Python slice a:b.
"""
import json
import numpy as np

rng = np.random.default_rng(20261124)


def t(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


def np_index(entry):
    if entry == ":":
        return slice(None)
    if entry == "...":
        return Ellipsis
    if isinstance(entry, dict):
        return slice(entry["start"], entry["end"])
    return entry


def torch_pad(a, padding, value):
    """torch.nn.functional.pad, mode constant: pairs for the last axis first; negatives crop."""
    out = a
    for p in range(len(padding) // 2):
        axis = a.ndim - 1 - p
        before, after = padding[2 * p], padding[2 * p + 1]
        widths = [(0, 0)] * a.ndim
        widths[axis] = (max(before, 0), max(after, 0))
        out = np.pad(out, widths, constant_values=value)
        crop = [slice(None)] * a.ndim
        crop[axis] = slice(max(-before, 0), out.shape[axis] - max(-after, 0))
        out = out[tuple(crop)]
    return out


x2 = rng.standard_normal([4, 5])
x3 = rng.standard_normal([2, 3, 4])
cases = {"x2": t(x2), "x3": t(x3)}



def narrow(a, axis, start, length):
    s = start + a.shape[axis] if start < 0 else start
    return np.take(a, range(s, s + length), axis=axis)


cases["narrow"] = [
    {"axis": axis, "start": start, "length": length, "out": t(narrow(x3, axis, start, length))}
    for axis, start, length in [(0, 1, 1), (1, -2, 2), (-1, 1, 2), (2, 0, 4), (1, 3, 0)]
]

cases["select"] = [
    {"axis": axis, "index": index, "out": t(np.take(x3, index, axis=axis))}
    for axis, index in [(0, 1), (1, -1), (-1, 2), (2, 0), (-3, -2)]
]

index_cases = [
    ("x2", [2]), ("x2", [-1]), ("x2", [{"start": 1, "end": 3}]), ("x2", [":", {"start": 1, "end": 3}]),
    ("x2", [0, ":"]), ("x2", ["...", -1]), ("x2", [{"start": -2, "end": None}]),
    ("x2", [{"start": None, "end": 10}, {"start": -3, "end": -1}]), ("x2", [{"start": 3, "end": 1}]),
    ("x2", [1, 2]), ("x3", [1]), ("x3", [":", 2]), ("x3", [":", {"start": 1, "end": None}, -1]),
    ("x3", [-1, {"start": None, "end": 2}, {"start": 1, "end": 3}]), ("x3", ["...", {"start": 1, "end": 3}]),
    ("x3", [0, "...", 1]), ("x3", [{"start": 0, "end": 1}, ":", 3]),
]
inputs = {"x2": x2, "x3": x3}
cases["index"] = [
    {"input": name, "indices": idx, "out": t(inputs[name][tuple(np_index(e) for e in idx)])}
    for name, idx in index_cases
]

concat = []
for shapes, axis in [([[2, 3], [1, 3], [3, 3]], 0), ([[2, 3], [2, 1], [2, 4]], 1), ([[2, 3], [2, 2]], -1),
                     ([[2, 3, 4], [2, 1, 4]], 1), ([[2, 3, 4], [2, 3, 2]], -1), ([[1, 3, 4], [2, 3, 4]], -3),
                     ([[2, 3], [2, 0]], 1)]:
    parts = [rng.standard_normal(s) for s in shapes]
    concat.append({"axis": axis, "inputs": [t(p) for p in parts], "out": t(np.concatenate(parts, axis=axis))})
cases["concat"] = concat

stack = []
for shape, n, axis in [([3], 2, 0), ([3], 3, -1), ([2, 3], 2, 1), ([2, 3], 4, -1), ([2, 3, 4], 2, 2), ([], 3, 0)]:
    parts = [rng.standard_normal(shape) for _ in range(n)]
    stack.append({"axis": axis, "inputs": [t(p) for p in parts], "out": t(np.stack(parts, axis=axis))})
cases["stack"] = stack


def split_size(a, size, axis):
    n = a.shape[axis]
    return [np.take(a, range(i, min(i + size, n)), axis=axis) for i in range(0, n, size)]


def split_sizes(a, sizes, axis):
    return np.split(a, np.cumsum(sizes)[:-1], axis=axis)


def chunk(a, n, axis):
    return split_size(a, -(-a.shape[axis] // n), axis)


cases["split_size"] = [
    {"input": name, "size": size, "axis": axis, "out": [t(p) for p in split_size(inputs[name], size, axis)]}
    for name, size, axis in [("x2", 2, 0), ("x2", 2, 1), ("x2", 3, -1), ("x3", 3, -1), ("x3", 1, 0), ("x2", 7, 0)]
]
cases["split_sizes"] = [
    {"input": name, "sizes": sizes, "axis": axis, "out": [t(p) for p in split_sizes(inputs[name], sizes, axis)]}
    for name, sizes, axis in [("x2", [1, 3], 0), ("x2", [2, 0, 3], 1), ("x3", [1, 2], -2), ("x3", [3, 1], 2)]
]
cases["chunk"] = [
    {"input": name, "n": n, "axis": axis, "out": [t(p) for p in chunk(inputs[name], n, axis)]}
    for name, n, axis in [("x2", 2, 0), ("x2", 3, 1), ("x2", 4, -1), ("x3", 2, -1), ("x3", 5, 1)]
]

cases["pad"] = [
    {"input": name, "padding": padding, "value": value, "out": t(torch_pad(inputs[name], padding, value))}
    for name, padding, value in [("x2", [1, 2], 0.0), ("x2", [0, 1, 2, 0], 0.0), ("x3", [1, 1, 0, 2, 1, 0], 0.0),
                                 ("x3", [2, 1], -1.5), ("x2", [-1, 2, 1, -2], 0.0), ("x3", [0, 0, 1, 1], 3.0)]
]

cases["reshape"] = {"flat": t(x3.reshape(-1)), "r_4_m1": t(x3.reshape(4, -1)), "r_m1_2_3": t(x3.reshape(-1, 2, 3))}
cases["permute"] = {"p120": t(x3.transpose(1, 2, 0)), "p210": t(x3.transpose(2, 1, 0)),
                    "t01": t(x3.swapaxes(0, 1)), "tm1m3": t(x3.swapaxes(-1, -3)), "x2T": t(x2.T)}
cases["flatten"] = {"all": t(x3.reshape(-1)), "from1": t(x3.reshape(2, 12)), "to1": t(x3.reshape(6, 4))}

with open("shape_ops.json", "w") as f:
    json.dump(cases, f)
print("wrote shape_ops.json")
