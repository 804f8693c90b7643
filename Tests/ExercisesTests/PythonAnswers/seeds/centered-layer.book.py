# D2L "Custom Layers": the book's CenteredLayer, verbatim.
# verdict: pass
import torch
from torch import nn
import torch.nn.functional as F

class CenteredLayer(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, X):
        return X - X.mean()

answer = CenteredLayer
