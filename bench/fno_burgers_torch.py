#!/usr/bin/env python3
"""The Burgers experiment's FNO in PyTorch, for time per epoch side by side with LayerKit.

The model is the reference `FNO1d` of fourier_1d.py (github.com/zongyi-li/fourier_neural_operator):
fc0 = Linear(2, width); four blocks SpectralConv1d (cfloat weights [in, out, modes]) + Conv1d(width,
width, 1), GELU after the first three; fc1 = Linear(width, 128), GELU, fc2 = Linear(128, 1). The loop is
the reference's too (and `layerkit experiment burgers`'s): Adam(lr 1e-3, weight_decay 1e-4),
StepLR(step_size = epochs/5, gamma 0.5), batch 20, the summed relative L2 loss, shuffled batches,
test error after every epoch.

Data: the safetensors cache LayerKit writes (`train.a`, `train.u`, `test.a`, `test.u`, float64),
the same pairs the Swift run trains on.

Usage (in a venv with torch and safetensors; run it right after the Swift run, in one sitting):
  python bench/fno_burgers_torch.py --data experiments/burgers/data/burgers-seed0-....safetensors \
      --epochs 5 --threads 2 [--out torch.json]
  python bench/fno_burgers_torch.py --data ... --evaluate experiments/burgers/fno_burgers.safetensors
      (loads LayerKit's trained weights into the reference model and reports its test error)
"""
import argparse
import json
import os
import time

ap = argparse.ArgumentParser()
ap.add_argument("--data", required=True, help="LayerKit's Burgers data cache (safetensors)")
ap.add_argument("--epochs", type=int, default=5)
ap.add_argument("--step-size", type=int, default=None, help="StepLR step (default epochs/5)")
ap.add_argument("--batch-size", type=int, default=20)
ap.add_argument("--modes", type=int, default=16)
ap.add_argument("--width", type=int, default=64)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--evaluate", default=None, help="a LayerKit FNO state dict to load and evaluate instead of training")
ap.add_argument("--out", default=None, help="write a JSON summary here")
args = ap.parse_args()
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = str(args.threads)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)


class SpectralConv1d(nn.Module):
    def __init__(self, in_channels, out_channels, modes1):
        super().__init__()
        self.in_channels, self.out_channels, self.modes1 = in_channels, out_channels, modes1
        self.scale = 1 / (in_channels * out_channels)
        self.weights1 = nn.Parameter(self.scale * torch.rand(in_channels, out_channels, self.modes1, dtype=torch.cfloat))

    def forward(self, x):
        batchsize = x.shape[0]
        x_ft = torch.fft.rfft(x)
        out_ft = torch.zeros(batchsize, self.out_channels, x.size(-1) // 2 + 1, device=x.device, dtype=torch.cfloat)
        out_ft[:, :, :self.modes1] = torch.einsum("bix,iox->box", x_ft[:, :, :self.modes1], self.weights1)
        return torch.fft.irfft(out_ft, n=x.size(-1))


class FNO1d(nn.Module):
    def __init__(self, modes, width):
        super().__init__()
        self.modes1, self.width = modes, width
        self.fc0 = nn.Linear(2, self.width)
        self.conv0 = SpectralConv1d(width, width, modes)
        self.conv1 = SpectralConv1d(width, width, modes)
        self.conv2 = SpectralConv1d(width, width, modes)
        self.conv3 = SpectralConv1d(width, width, modes)
        self.w0 = nn.Conv1d(width, width, 1)
        self.w1 = nn.Conv1d(width, width, 1)
        self.w2 = nn.Conv1d(width, width, 1)
        self.w3 = nn.Conv1d(width, width, 1)
        self.fc1 = nn.Linear(width, 128)
        self.fc2 = nn.Linear(128, 1)

    def forward(self, x):  # x: [batch, n, 2] = (a(x), x), as LayerKit's FNO1d takes it
        x = self.fc0(x).permute(0, 2, 1)
        x = F.gelu(self.conv0(x) + self.w0(x))
        x = F.gelu(self.conv1(x) + self.w1(x))
        x = F.gelu(self.conv2(x) + self.w2(x))
        x = self.conv3(x) + self.w3(x)
        return self.fc2(F.gelu(self.fc1(x.permute(0, 2, 1))))


def relative_l2(pred, target):
    b = pred.shape[0]
    pred, target = pred.reshape(b, -1), target.reshape(b, -1)
    return (torch.linalg.norm(pred - target, dim=1) / torch.linalg.norm(target, dim=1)).sum()


def with_grid(a):
    b, n = a.shape
    grid = torch.linspace(0, 1, n, dtype=a.dtype).reshape(1, n, 1).expand(b, n, 1)
    return torch.cat([a.reshape(b, n, 1), grid], dim=2)


data = load_file(args.data)
x_train, y_train = with_grid(data["train.a"].float()), data["train.u"].float()
x_test, y_test = with_grid(data["test.a"].float()), data["test.u"].float()
ntrain, ntest, s = x_train.shape[0], x_test.shape[0], x_train.shape[1]
model = FNO1d(args.modes, args.width)


def test_error():
    model.eval()
    with torch.no_grad():
        total = sum(relative_l2(model(x_test[i:i + 100]), y_test[i:i + 100]).item() for i in range(0, ntest, 100))
    model.train()
    return total / ntest


summary = {"torch": torch.__version__, "threads": args.threads, "train": ntrain, "test": ntest, "resolution": s}
if args.evaluate:
    state = load_file(args.evaluate)
    # LayerKit stores each cfloat weight as its view_as_real, [in, out, modes, 2].
    state = {k: torch.view_as_complex(v.contiguous()) if k.endswith("weights1") else v for k, v in state.items()}
    model.load_state_dict(state)
    summary["evaluated"] = args.evaluate
    summary["test_error"] = test_error()
    print(f"LayerKit weights in the PyTorch reference model: relative L2 test error {summary['test_error']:.5f}")
else:
    step_size = args.step_size or max(1, args.epochs // 5)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=0.5)
    epoch_seconds, train_loss, test_err = [], [], []
    for ep in range(args.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(ntrain)
        total = 0.0
        for i in range(0, ntrain, args.batch_size):
            idx = perm[i:i + args.batch_size]
            optimizer.zero_grad()
            loss = relative_l2(model(x_train[idx]), y_train[idx])
            loss.backward()
            optimizer.step()
            total += loss.item()
        scheduler.step()
        epoch_seconds.append(time.perf_counter() - t0)
        train_loss.append(total / ntrain)
        test_err.append(test_error())
        print(f"epoch {ep + 1}/{args.epochs}  {epoch_seconds[-1]:.2f} s  train {train_loss[-1]:.5f}  test {test_err[-1]:.5f}",
              flush=True)
    ordered = sorted(epoch_seconds)
    summary.update(epochs=args.epochs, epoch_seconds=epoch_seconds, train_loss=train_loss, test_error=test_err,
                   median_epoch_seconds=ordered[len(ordered) // 2], mean_epoch_seconds=sum(epoch_seconds) / len(epoch_seconds))
    print(f"PyTorch {torch.__version__}, {args.threads} threads: median {summary['median_epoch_seconds']:.2f} s/epoch, "
          f"final test error {test_err[-1]:.5f}")
if args.out:
    with open(args.out, "w") as f:
        json.dump(summary, f, indent=1)
