import torch
from torch import nn


class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        # Mistake: a plain Python list; nn.Module never registers its blocks (no parameters, empty state_dict).
        self.blocks = list(args)

    def forward(self, X):
        for block in self.blocks:
            X = block(X)
        return X


answer = MySequential
