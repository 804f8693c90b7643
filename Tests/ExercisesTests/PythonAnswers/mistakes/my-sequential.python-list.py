# The post's warning: the blocks in a plain Python list, not nn.ModuleList — never registered.
# verdict: fail parameters — cannot see the blocks
import torch
from torch import nn

class MySequential(nn.Module):
    def __init__(self, *blocks):
        super().__init__()
        self.blocks = list(blocks)

    def forward(self, X):
        for block in self.blocks:
            X = block(X)
        return X

answer = MySequential
