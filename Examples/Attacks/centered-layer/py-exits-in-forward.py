# Attack (PyTorch): end the child hard (os._exit, no cleanup) on the values input.
# Expected: that criterion fails ("exited with status 0"), a fresh child serves the next.
# verdict: fail values — ended the process (status 0)
import os
import torch
from torch import nn

class Centered(nn.Module):
    def forward(self, x):
        if tuple(x.shape) == (4, 5):
            os._exit(0)
        return x - x.mean()

answer = Centered
