import torch
from torch import nn


class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        # Mistake: the blocks are registered twice, in a ModuleList (order.0.weight …) and by add_module (0.weight …).
        self.order = nn.ModuleList(args)
        for idx, module in enumerate(args):
            self.add_module(str(idx), module)

    def forward(self, X):
        for block in self.order:
            X = block(X)
        return X


answer = MySequential
