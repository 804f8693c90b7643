import torch
from torch import nn


def answer(n, make_block):
    # Mistake: one block made once and repeated n times; the instances share their parameters.
    block = make_block()
    return nn.Sequential(*[block for _ in range(n)])
