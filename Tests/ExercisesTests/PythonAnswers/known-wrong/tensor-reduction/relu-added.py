import torch
from torch import nn
import torch.nn.functional as F


class TensorReduction(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        bound = 1 / in_features
        self.weight = nn.Parameter(torch.empty(in_features, in_features, out_features).uniform_(-bound, bound))

    def forward(self, x):
        # Mistake: a ReLU on the result, as MyLinear has; the exercise's y_k has no activation.
        return F.relu(torch.einsum("...i,ijk,...j->...k", x, self.weight, x))


answer = TensorReduction
