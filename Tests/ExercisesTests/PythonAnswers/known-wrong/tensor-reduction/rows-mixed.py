import torch
from torch import nn


class TensorReduction(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        bound = 1 / in_features
        self.weight = nn.Parameter(torch.empty(in_features, in_features, out_features).uniform_(-bound, bound))

    def forward(self, x):
        i, k = self.weight.shape[0], self.weight.shape[2]
        # Mistake: reshape to [in*in, batch] then .T reads the outer products across rows of the batch.
        outer = (x.unsqueeze(-1) * x.unsqueeze(-2)).reshape(i * i, -1).T
        return (outer @ self.weight.reshape(i * i, k)).reshape(*x.shape[:-1], k)


answer = TensorReduction
