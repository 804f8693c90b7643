import torch
from torch import nn


class FourierHalf(nn.Module):
    def forward(self, x):
        # Mistake: all n coefficients of the full DFT; for real input the upper half mirrors the lower.
        return torch.fft.fft(x)


answer = FourierHalf
