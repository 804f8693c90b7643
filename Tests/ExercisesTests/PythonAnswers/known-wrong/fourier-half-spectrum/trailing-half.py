import torch
from torch import nn


class FourierHalf(nn.Module):
    def forward(self, x):
        n = x.shape[-1]
        # Mistake: the trailing half of the full DFT, X_{n-m} … X_{n-1}, where the leading half X_0 … X_{m-1} belongs.
        return torch.fft.fft(x)[..., n - n // 2 :]


answer = FourierHalf
