import math

import torch
from torch import nn


class FourierHalf(nn.Module):
    def forward(self, x):
        n = x.shape[-1]
        t = torch.arange(n, dtype=x.dtype)
        k = torch.arange(n // 2, dtype=x.dtype)
        # Mistake: e^{+2πi·kt/n}, a plus sign in the exponent: every imaginary part has the wrong sign.
        basis = torch.exp(2j * math.pi * torch.outer(t, k) / n)
        return x.to(basis.dtype) @ basis


answer = FourierHalf
