# The blog post's MultiLayer, verbatim, with one line adapting it to the factory exercise
# (n instances of a block stacked): it stacks n Linear(4, 4) it makes itself.
# verdict: fail independent instances — the factory was called 0 time(s)
import torch
import torch.nn as nn

class MultiLayer(nn.Module):
    def __init__(self, layer_sizes):
        super().__init__()
        self.layers = nn.ModuleList([
            nn.Linear(layer_sizes[i], layer_sizes[i+1])
            for i in range(len(layer_sizes)-1)
        ])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

def answer(n, make_block):
    return MultiLayer([4] * (n + 1))
