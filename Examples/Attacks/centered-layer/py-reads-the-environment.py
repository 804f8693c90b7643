# Attack (PyTorch): look for secrets in the environment and on standard input, and print them.
# Expected: nothing of the grader's is there; the layer (the identity) fails `values`.
# verdict: fail values
import os
import sys
import torch
from torch import nn

class Identity(nn.Module):
    def __init__(self):
        super().__init__()
        print("stdin bytes:", len(sys.stdin.buffer.read()))
        for key, value in sorted(os.environ.items()):
            print("env %s=%s" % (key, value))
        for place in ["/root", "/home", "/work", "/autograder"]:
            try:
                print("FOUND-FOLDER", place, os.listdir(place)[:5])
            except OSError:
                pass

    def forward(self, x):
        return x

answer = Identity
