# The reduction computed in numpy (x.numpy()): right values, but autograd cannot follow it.
# verdict: fail gradients — Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
from torch import nn

class TensorReduction(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_features, in_features, out_features))

    def forward(self, x):
        y = np.einsum("...i,...j,ijk->...k", x.numpy(), x.numpy(), self.weight.detach().numpy())
        return torch.from_numpy(y)

answer = TensorReduction
