import torch
from torch import nn


class FourierHalf(nn.Module):
    def forward(self, x):
        n = x.shape[-1]
        # Mistake: the input is centred first, as CenteredLayer does, so X_0 becomes 0 (every other bin is unchanged).
        return torch.fft.rfft(x - x.mean(dim=-1, keepdim=True))[..., : n // 2]


answer = FourierHalf
