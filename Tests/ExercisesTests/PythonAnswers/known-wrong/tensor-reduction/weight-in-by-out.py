import torch
from torch import nn


class TensorReduction(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        bound = 1 / in_features
        # Mistake: a weight [in, out] on x², 12 numbers where W_ijk needs in*in*out = 48.
        self.weight = nn.Parameter(torch.empty(in_features, out_features).uniform_(-bound, bound))

    def forward(self, x):
        return (x * x) @ self.weight


answer = TensorReduction
