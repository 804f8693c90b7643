# D2L "Custom Layers": the book's MyLinear, verbatim — its forward reads self.weight.data.
# verdict: fail gradients — no gradient reached parameter `weight`
import torch
from torch import nn
import torch.nn.functional as F

class MyLinear(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, units))
        self.bias = nn.Parameter(torch.randn(units,))
    def forward(self, X):
        linear = torch.matmul(X, self.weight.data) + self.bias.data
        return F.relu(linear)

answer = MyLinear
