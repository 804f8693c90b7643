import torch
from torch import nn


class TensorReduction(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        bound = 1 / in_features
        self.weight = nn.Parameter(torch.empty(in_features, in_features, out_features).uniform_(-bound, bound))

    def forward(self, x):
        # Mistake: "...i,ijk,...i" puts one index on x twice: Σ W_ijk x_i x_i instead of Σ W_ijk x_i x_j.
        return torch.einsum("...i,ijk,...i->...k", x, self.weight, x)


answer = TensorReduction
