"""PyTorch reference for LayerKit's state-dict test: Sequential(Linear(20, 256), ReLU(), Linear(256, 10)).

Run from this folder with PyTorch installed: python make_nn_mlp.py  (writes nn_mlp.json)
The fixture holds the model's state dict (PyTorch's names and [out, in] weight layout), a
batch of 2 inputs and the outputs PyTorch computed in float32. The Swift test loads the
state dict with loadStateDict and must reproduce the outputs within 1e-5.
"""
import json
import torch
from torch import nn

torch.manual_seed(20261123)
net = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
X = torch.rand(2, 20)
with torch.no_grad():
    Y = net(X)


def t(a):
    # 9 significant digits round-trip float32 exactly and keep the file small.
    a = a.detach().to(torch.float32)
    return {"shape": list(a.shape), "data": [float(f"{v:.9g}") for v in a.reshape(-1).tolist()]}


fixture = {
    "repr": repr(net),
    "state_dict": [{"name": k, "tensor": t(v)} for k, v in net.state_dict().items()],
    "x": t(X),
    "y": t(Y),
}
with open("nn_mlp.json", "w") as f:
    json.dump(fixture, f, separators=(",", ":"))
