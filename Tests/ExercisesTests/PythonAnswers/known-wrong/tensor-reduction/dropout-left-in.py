import torch
from torch import nn


class TensorReduction(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        bound = 1 / in_features
        self.weight = nn.Parameter(torch.empty(in_features, in_features, out_features).uniform_(-bound, bound))
        # Mistake: a Dropout left in forward: two calls on the same input differ.
        self.dropout = nn.Dropout(0.5)

    def forward(self, x):
        return self.dropout(torch.einsum("...i,ijk,...j->...k", x, self.weight, x))


answer = TensorReduction
