# A right answer in PyTorch: y_k = Σ_ij W_ijk x_i x_j with the weight [in, in, out].
import torch
from torch import nn


class MyReduction(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_features, in_features, out_features))

    def forward(self, x):
        return torch.einsum("...i,...j,ijk->...k", x, x, self.weight)


answer = MyReduction
