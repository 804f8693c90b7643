import torch
from torch import nn


class TensorReduction(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        bound = 1 / in_features
        self.weight = nn.Parameter(torch.empty(in_features, in_features, out_features).uniform_(-bound, bound))

    def forward(self, x):
        # Mistake: .float() computes in float32 whatever the input's dtype.
        y = torch.einsum("...i,ijk,...j->...k", x.float(), self.weight.float(), x.float())
        return y.to(x.dtype)


answer = TensorReduction
