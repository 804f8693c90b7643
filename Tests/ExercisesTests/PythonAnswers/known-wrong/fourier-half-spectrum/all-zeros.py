import math

import torch
from torch import nn


class FourierHalf(nn.Module):
    def forward(self, x):
        n = x.shape[-1]
        t = torch.arange(n, dtype=x.dtype)
        spectrum = torch.zeros(*x.shape[:-1], n // 2, dtype=torch.complex128)
        for k in range(n // 2):
            # Mistake: the coefficient is computed but never stored (+ where += was meant); the result stays zero.
            spectrum[..., k] + (x * torch.exp(-2j * math.pi * k * t / n)).sum(dim=-1)
        return spectrum


answer = FourierHalf
