import torch
from torch import nn


class TensorReduction(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        bound = 1 / in_features
        # Mistake: a plain tensor attribute, not an nn.Parameter: parameters(), state_dict() and optimisers never see W.
        self.weight = torch.empty(in_features, in_features, out_features).uniform_(-bound, bound)

    def forward(self, x):
        return torch.einsum("...i,ijk,...j->...k", x, self.weight.to(x), x)


answer = TensorReduction
