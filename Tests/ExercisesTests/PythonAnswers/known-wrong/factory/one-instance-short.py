import torch
from torch import nn


def answer(n, make_block):
    # Mistake: the range starts at 1, so the network holds n - 1 instances.
    return nn.Sequential(*[make_block() for _ in range(1, n)])
