import torch
from torch import nn


class MyLinear(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, units))
        self.bias = nn.Parameter(torch.randn(units,))

    def forward(self, X):
        # Mistake: the ReLU is left out; this is x·W + b.
        return torch.matmul(X, self.weight) + self.bias


answer = MyLinear
