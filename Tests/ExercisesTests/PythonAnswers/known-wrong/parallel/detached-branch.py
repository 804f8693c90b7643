import torch
from torch import nn


class Parallel(nn.Module):
    def __init__(self, net1, net2):
        super().__init__()
        self.net1 = net1
        self.net2 = net2

    def forward(self, X):
        # Mistake: net2's output is detached "to save memory", so net2 never gets a gradient.
        return torch.cat([self.net1(X), self.net2(X).detach()], dim=-1)


answer = Parallel
