# The blog post's MyLinear, verbatim: an nn.Linear inside, no ReLU.
# verdict: fail values
import torch
import torch.nn as nn

class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)

    def forward(self, x):
        return self.linear(x)

answer = MyLinear
