# A wrong answer in PyTorch: one index on x where there should be two (Σ W_ijk x_i x_i).
import torch
from torch import nn


class MyReduction(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_features, in_features, out_features))

    def forward(self, x):
        return torch.einsum("...i,...i,ijk->...k", x, x, self.weight)


answer = MyReduction
