# Attack (PyTorch): end the process while the grader imports the file.
# Expected: fails `loads` (SystemExit); the run goes on.
# verdict: fail loads — SystemExit
import sys
sys.exit(0)
