import torch
from torch import nn


class FourierHalf(nn.Module):
    def forward(self, x):
        n = x.shape[-1]
        # Mistake: .real drops the imaginary parts (and the phase with them).
        return torch.fft.rfft(x)[..., : n // 2].real


answer = FourierHalf
