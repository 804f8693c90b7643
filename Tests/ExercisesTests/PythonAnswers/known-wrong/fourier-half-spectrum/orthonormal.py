import torch
from torch import nn


class FourierHalf(nn.Module):
    def forward(self, x):
        n = x.shape[-1]
        # Mistake: norm="ortho" divides every coefficient by √n; the exercise asks for the plain DFT.
        return torch.fft.rfft(x, norm="ortho")[..., : n // 2]


answer = FourierHalf
