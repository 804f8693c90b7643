import torch
from torch import nn


class CenteredLayer(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, X):
        # Mistake: also divides by the input's own standard deviation, a scale that changes with the input.
        return (X - X.mean()) / X.std()


answer = CenteredLayer
