"""PyTorch reference for LayerKit's research layers: Bilinear, Conv1d, SpectralConv1d, FNO1d.

Run from this folder with PyTorch and safetensors installed:

    python make_research_layers.py            writes research_layers.json and fno1d_*.safetensors
    python make_research_layers.py roundtrip STATE INPUT OUTPUT
                                              loads a LayerKit FNO1d state dict into the PyTorch
                                              model below, runs it on INPUT["x"], writes OUTPUT["y"]
                                              (used by ResearchLayersTests when torch is present)

`SpectralConv1d` and `FNO1d` below follow the FNO paper's reference implementation
(fourier_1d.py in github.com/zongyi-li/fourier_neural_operator, commit e12ed83d): complex
`weights1` [in, out, modes] (cfloat), rfft → leading modes × weight ("bix,iox->box") → irfft(n);
fc0 = Linear(2, width) on (a(x), x), four blocks conv_l + w_l (Conv1d(width, width, 1)) with GELU
after the first three, fc1 = Linear(width, 128), GELU, fc2 = Linear(128, 1), no domain padding.
The grid is concatenated by the caller: the model's input is (a(x), x), [batch, n, 2].
Values in the JSON are float64, complex tensors as view_as_real (a trailing axis of 2).
"""
import json
import sys

import torch
from torch import nn
from torch.nn import functional as F
from safetensors.torch import load_file, save_file


class SpectralConv1d(nn.Module):
    def __init__(self, in_channels, out_channels, modes1, dtype=torch.cfloat):
        super().__init__()
        self.in_channels, self.out_channels, self.modes1 = in_channels, out_channels, modes1
        scale = 1 / (in_channels * out_channels)
        self.weights1 = nn.Parameter(scale * torch.rand(in_channels, out_channels, modes1, dtype=dtype))

    def forward(self, x):
        n = x.size(-1)
        x_ft = torch.fft.rfft(x)
        out_ft = torch.zeros(x.shape[0], self.out_channels, n // 2 + 1, dtype=x_ft.dtype)
        out_ft[:, :, :self.modes1] = torch.einsum("bix,iox->box", x_ft[:, :, :self.modes1], self.weights1)
        return torch.fft.irfft(out_ft, n=n)


class FNO1d(nn.Module):
    def __init__(self, modes, width):
        super().__init__()
        self.fc0 = nn.Linear(2, width)
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

    def forward(self, x):
        x = self.fc0(x).permute(0, 2, 1)
        blocks = [(self.conv0, self.w0), (self.conv1, self.w1), (self.conv2, self.w2), (self.conv3, self.w3)]
        for i, (conv, w) in enumerate(blocks):
            x = conv(x) + w(x)
            if i < 3:
                x = F.gelu(x)
        return self.fc2(F.gelu(self.fc1(x.permute(0, 2, 1))))


def with_grid(a):
    b, n = a.shape
    grid = torch.linspace(0, 1, n, dtype=a.dtype).reshape(1, n, 1).repeat(b, 1, 1)
    return torch.cat([a.reshape(b, n, 1), grid], dim=-1)


def real_state(model):
    """The state dict with complex tensors as view_as_real: LayerKit's layout."""
    return {k: (torch.view_as_real(v) if v.is_complex() else v).contiguous() for k, v in model.state_dict().items()}


def t(a):
    a = a.detach()
    if a.is_complex():
        a = torch.view_as_real(a)
    a = a.to(torch.float64)
    return {"shape": list(a.shape), "data": a.reshape(-1).tolist()}


def grads_of(y, inputs, seed):
    g = torch.randn(y.shape, dtype=y.dtype, generator=torch.Generator().manual_seed(seed))
    (y * g).sum().backward()
    return g, [p.grad for p in inputs]


def roundtrip(state_path, input_path, output_path):
    state = load_file(state_path)
    width, modes = state["conv0.weights1"].shape[0], state["conv0.weights1"].shape[2]
    model = FNO1d(modes, width)
    converted = {k: torch.view_as_complex(v.contiguous()) if k.endswith("weights1") else v for k, v in state.items()}
    model.load_state_dict(converted, strict=True)
    with torch.no_grad():
        y = model(load_file(input_path)["x"])
    save_file({"y": y.contiguous()}, output_path)


def main():
    torch.manual_seed(0)
    out = {}

    # nn.Bilinear, float64: batch axes [2, 3], in1 4, in2 5, out 3.
    layer = nn.Bilinear(4, 5, 3).double()
    x1 = torch.randn(2, 3, 4, dtype=torch.float64, requires_grad=True)
    x2 = torch.randn(2, 3, 5, dtype=torch.float64, requires_grad=True)
    y = layer(x1, x2)
    g, (gx1, gx2, gw, gb) = grads_of(y, [x1, x2, layer.weight, layer.bias], 1)
    out["bilinear"] = {"weight": t(layer.weight), "bias": t(layer.bias), "x1": t(x1), "x2": t(x2), "y": t(y),
                       "g": t(g), "dx1": t(gx1), "dx2": t(gx2), "dweight": t(gw), "dbias": t(gb),
                       "state_keys": list(layer.state_dict().keys())}

    # nn.Conv1d, float64, three configurations.
    cases = []
    for (cin, cout, k, stride, padding, bias, b, n) in [(3, 4, 3, 2, 1, True, 2, 9), (5, 6, 1, 1, 0, True, 3, 7),
                                                         (2, 3, 5, 1, 2, False, 2, 6), (2, 2, 4, 3, 0, True, 1, 11)]:
        conv = nn.Conv1d(cin, cout, k, stride=stride, padding=padding, bias=bias).double()
        x = torch.randn(b, cin, n, dtype=torch.float64, requires_grad=True)
        y = conv(x)
        params = [x, conv.weight] + ([conv.bias] if bias else [])
        g, grads = grads_of(y, params, 2)
        case = {"in": cin, "out": cout, "kernel": k, "stride": stride, "padding": padding, "bias": bias,
                "weight": t(conv.weight), "x": t(x), "y": t(y), "g": t(g), "dx": t(grads[0]), "dweight": t(grads[1]),
                "repr": repr(conv)}
        if bias:
            case["bias_value"] = t(conv.bias)
            case["dbias"] = t(grads[2])
        cases.append(case)
    out["conv1d"] = cases

    # SpectralConv1d, float64 (cdouble weight): even n, odd n with modes = n/2 + 1, even n with Nyquist.
    cases = []
    for (cin, cout, modes, b, n) in [(3, 2, 3, 2, 8), (3, 2, 5, 2, 9), (2, 3, 5, 2, 8), (2, 2, 1, 1, 5)]:
        conv = SpectralConv1d(cin, cout, modes, dtype=torch.cdouble)
        x = torch.randn(b, cin, n, dtype=torch.float64, requires_grad=True)
        y = conv(x)
        g, (gx, gw) = grads_of(y, [x, conv.weights1], 3)
        cases.append({"in": cin, "out": cout, "modes": modes, "weights1": t(conv.weights1), "x": t(x), "y": t(y),
                      "g": t(g), "dx": t(gx), "dweights1": t(torch.view_as_real(gw)) if gw.is_complex() else t(gw)})
    out["spectral"] = cases

    # FNO1d(modes 4, width 8), float32, as the reference initialises it; input (a(x), x) [2, 16, 2].
    torch.manual_seed(1)
    model = FNO1d(4, 8)
    x = with_grid(torch.randn(2, 16))
    with torch.no_grad():
        y = model(x)
    save_file(real_state(model), "fno1d_state.safetensors")
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, "fno1d_state_c64.safetensors")
    save_file({"x": x.contiguous(), "y": y.contiguous()}, "fno1d_io.safetensors")
    reference = FNO1d(16, 64)
    out["fno1d"] = {
        "keys": list(model.state_dict().keys()),
        "reference_16_64": {k: list(v.shape) + ([2] if v.is_complex() else []) for k, v in reference.state_dict().items()},
        "reference_16_64_parameters": sum(p.numel() * (2 if p.is_complex() else 1) for p in reference.parameters()),
    }

    with open("research_layers.json", "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "roundtrip":
        roundtrip(*sys.argv[2:])
    else:
        main()
