# Attack (PyTorch): import the grader's own Python module to borrow its code.
# Expected: it is not importable from an answer; fails `loads`.
# verdict: fail loads — No module named 'layerkit_child'
import layerkit_child

answer = layerkit_child.Server
