"""PyTorch reference for LayerKit's Module, layer and state-dict tests.

Run from this folder with PyTorch installed: python make_nn_modules.py  (writes nn_modules.json)
Records what PyTorch prints for the D2L chapters' models (the module trees, parameter names,
state-dict keys), its load_state_dict error messages, GELU values and gradients, and the
gains and fans its initialisers use. The Swift tests build the same models and compare.
"""
import json
import math
import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(0)


def t(a):
    a = a.detach().to(torch.float64)
    return {"shape": list(a.shape), "data": a.reshape(-1).tolist()}


out = {}


# D2L "Layers and Modules"
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.LazyLinear(256)
        self.out = nn.LazyLinear(10)

    def forward(self, X):
        return self.out(F.relu(self.hidden(X)))


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.rand_weight = torch.rand((20, 20))
        self.linear = nn.LazyLinear(20)

    def forward(self, X):
        X = self.linear(X)
        X = F.relu(X @ self.rand_weight + 1)
        X = self.linear(X)
        while X.abs().sum() > 1:
            X /= 2
        return X.sum()


class NestMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(32), nn.ReLU())
        self.linear = nn.LazyLinear(16)

    def forward(self, X):
        return self.linear(self.net(X))


X = torch.rand(2, 20)
mlp = MLP()
out["mlp_repr_lazy"] = repr(mlp)
mlp(X)
out["mlp_repr"] = repr(mlp)
out["mlp_names"] = [n for n, _ in mlp.named_parameters()]

fixed = FixedHiddenMLP()
fixed(X)
out["fixed_repr"] = repr(fixed)
out["fixed_names"] = [n for n, _ in fixed.named_parameters()]

chimera = nn.Sequential(NestMLP(), nn.LazyLinear(20), FixedHiddenMLP())
chimera(X)
out["chimera_repr"] = repr(chimera)
out["chimera_names"] = [n for n, _ in chimera.named_parameters()]
out["chimera_modules"] = [n for n, _ in chimera.named_modules()]
out["chimera_children"] = [n for n, _ in chimera.named_children()]


# D2L "Parameter Management"
def block1():
    return nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(4), nn.ReLU())


def block2():
    net = nn.Sequential()
    for i in range(4):
        net.add_module(f'block {i}', block1())
    return net


rgnet = nn.Sequential(block2(), nn.LazyLinear(1))
rgnet(torch.rand(2, 4))
out["rgnet_repr"] = repr(rgnet)
out["rgnet_names"] = [n for n, _ in rgnet.named_parameters()]
out["rgnet_shapes"] = [list(p.shape) for _, p in rgnet.named_parameters()]
out["rgnet_state_keys"] = list(rgnet.state_dict().keys())

net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
net(torch.rand(2, 4))
out["net2_state_keys"] = list(net[2].state_dict().keys())

shared = nn.LazyLinear(8)
snet = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.LazyLinear(1))
snet(torch.rand(2, 4))
out["shared_names"] = [n for n, _ in snet.named_parameters()]
out["shared_state_keys"] = list(snet.state_dict().keys())
out["shared_count"] = sum(p.numel() for p in snet.parameters())
out["shared_modules"] = [n for n, _ in snet.named_modules()]

lazy = nn.LazyLinear(20)
out["lazy_repr_before"] = repr(lazy)
out["uninitialized_repr"] = repr(lazy.weight)
lazy(torch.rand(2, 8))
out["lazy_repr_after"] = repr(lazy)

# Containers and layers as PyTorch prints them
out["reprs"] = {
    "linear_nobias": repr(nn.Linear(3, 2, bias=False)),
    "relu": repr(nn.ReLU()), "sigmoid": repr(nn.Sigmoid()), "tanh": repr(nn.Tanh()),
    "gelu": repr(nn.GELU()), "gelu_tanh": repr(nn.GELU(approximate="tanh")),
    "softmax": repr(nn.Softmax(dim=1)), "identity": repr(nn.Identity()),
    "flatten": repr(nn.Flatten()), "dropout": repr(nn.Dropout(0.5)),
    "empty_sequential": repr(nn.Sequential()),
    "module_list": repr(nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 3)])),
    "module_dict": repr(nn.ModuleDict({"lin": nn.Linear(2, 2), "act": nn.ReLU()})),
    "nested_list": repr(nn.Sequential(nn.ModuleList([nn.ReLU(), nn.ReLU()]), nn.Tanh())),
}
out["parameter_repr"] = repr(nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]])))

# load_state_dict messages
m = nn.Sequential(nn.Linear(4, 2))
bad = {"0.weight": torch.zeros(3, 4), "1.weight": torch.zeros(1), "extra": torch.zeros(1)}
try:
    m.load_state_dict(bad)
except RuntimeError as e:
    out["load_error_all"] = str(e)
try:
    m.load_state_dict({"0.weight": torch.zeros(2, 4)})
except RuntimeError as e:
    out["load_error_missing"] = str(e)
try:
    m.load_state_dict({"0.weight": torch.zeros(3, 4), "0.bias": torch.zeros(2)}, strict=False)
except RuntimeError as e:
    out["load_error_size_nonstrict"] = str(e)
r = m.load_state_dict({"0.weight": torch.zeros(2, 4), "junk": torch.zeros(1)}, strict=False)
out["nonstrict_missing"] = list(r.missing_keys)
out["nonstrict_unexpected"] = list(r.unexpected_keys)

# GELU and erf
x = torch.linspace(-4, 4, 17, dtype=torch.float64, requires_grad=True)
y = F.gelu(x)
y.sum().backward()
out["gelu"] = {"x": t(x), "y": t(y), "grad": t(x.grad)}
x.grad = None
y = F.gelu(x, approximate="tanh")
y.sum().backward()
out["gelu_tanh"] = {"y": t(y), "grad": t(x.grad)}
out["erf"] = t(torch.erf(x))

# Initialiser constants
out["gains"] = {
    "linear": nn.init.calculate_gain("linear"), "sigmoid": nn.init.calculate_gain("sigmoid"),
    "tanh": nn.init.calculate_gain("tanh"), "relu": nn.init.calculate_gain("relu"),
    "leaky_relu": nn.init.calculate_gain("leaky_relu"),
    "leaky_relu_0.2": nn.init.calculate_gain("leaky_relu", 0.2), "selu": nn.init.calculate_gain("selu"),
}
fans = {}
for shape in [[256, 20], [3, 4, 5, 6]]:
    fi, fo = nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    fans["x".join(map(str, shape))] = [fi, fo]
out["fans"] = fans
out["linear_bound_20"] = 1 / math.sqrt(20)

with open("nn_modules.json", "w") as f:
    json.dump(out, f, indent=1)
