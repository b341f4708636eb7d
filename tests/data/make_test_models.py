#!/usr/bin/python3
"""Writes the small ONNX models and PyTorch reference values that the importer tests check against.

Re-run (Debian's Python, which has torch 1.13 and onnx; ~10 s, deterministic):
    /usr/bin/python3 tests/data/make_test_models.py
It rewrites every file in tests/data next to this script and prints their sizes.

Why these models: they are written the way people write INRs in PyTorch (nn.Linear plus
torch.sin(omega * x), a tanh MLP), so the ONNX files are what torch.onnx.export really emits for
such code, with a dynamic batch axis. The "zoo" model uses the shape idioms (x.shape[0] in a
reshape, flatten, unsqueeze/squeeze, slicing, indexing, cat) that produce Shape/Gather/Concat
subgraphs; it is exported at opset 11 (axes as attributes) and 17 (axes as inputs). The
"unsupported" model contains an Erf node, for the error-message test.

For each reference model <name> the script writes:
  <name>.onnx                 the model (weights float32, except where noted)
  <name>_points.npy           16 fixed random points, float64 [16, in]
  <name>_outputs.npy          PyTorch's forward values in float64 [16, out]
  <name>_derivatives.npy      true derivatives d^alpha f_c for |alpha| <= 4, float64
                              [points, channels, M], M = C(4 + in, in), multi-indices in graded
                              lexicographic order (0,0),(1,0),(0,1),(2,0),(1,1),(0,2),...
  <name>_derivatives.json     the multi-indices and their names, in that order
Reference values are computed in float64 from the same weights that the ONNX file holds (float32
weights are exactly representable in float64), by nested torch.autograd.grad(create_graph=True).
"""

import itertools
import json
import math
import pathlib

import numpy as np
import onnx
import torch
from torch import nn

HERE = pathlib.Path(__file__).resolve().parent
POINTS = 16
ORDER = 4


class SineLayer(nn.Module):
    def __init__(self, fan_in, fan_out, omega, first):
        super().__init__()
        self.omega = omega
        self.linear = nn.Linear(fan_in, fan_out)
        bound = 1.0 / fan_in if first else math.sqrt(6.0 / fan_in) / omega
        with torch.no_grad():
            self.linear.weight.uniform_(-bound, bound)

    def forward(self, x):
        return torch.sin(self.omega * self.linear(x))


class Siren(nn.Module):
    def __init__(self, fan_in, fan_out, width, hidden, omega):
        super().__init__()
        layers = [SineLayer(fan_in, width, omega, first=True)]
        layers += [SineLayer(width, width, omega, first=False) for _ in range(hidden)]
        layers.append(nn.Linear(width, fan_out))
        self.net = nn.Sequential(*layers)

    def forward(self, coords):
        return self.net(coords)


class TanhMlp(nn.Module):
    def __init__(self, fan_in, fan_out, width, hidden):
        super().__init__()
        layers = [nn.Linear(fan_in, width), nn.Tanh()]
        for _ in range(hidden):
            layers += [nn.Linear(width, width), nn.Tanh()]
        layers.append(nn.Linear(width, fan_out))
        self.net = nn.Sequential(*layers)

    def forward(self, coords):
        return self.net(coords)


class Zoo(nn.Module):
    """in=2, out=3: every op and shape idiom the importer claims, in a smooth-enough function."""

    def __init__(self):
        super().__init__()
        self.first = nn.Linear(2, 16)
        self.mix = nn.Parameter(torch.empty(8, 6).uniform_(-0.5, 0.5))
        self.scales = nn.Parameter(torch.empty(6).uniform_(1.0, 2.0))
        self.last = nn.Linear(13, 3)

    def forward(self, coords):
        h = self.first(coords)                        # Gemm
        h = h.reshape(coords.shape[0], 4, -1)         # Shape/Gather/Unsqueeze/Concat -> Reshape
        h = torch.flatten(h.transpose(1, 2), 1)       # Transpose, Flatten
        a = torch.sin(2.0 * h[:, 0:8])                # Slice, Mul by a scalar
        b = torch.cos(h[:, 8:16]) / 3.0               # Slice, Div by a scalar
        mixed = (a - b) @ self.mix                    # Sub, MatMul
        mixed = mixed / self.scales                   # Div by a constant vector
        gate = torch.sigmoid(mixed) * torch.exp(-0.5 * mixed * mixed)
        soft = gate / (1.0 + torch.relu(mixed))       # Relu, Add of a scalar, Div by a tensor
        y = coords[:, 1].unsqueeze(1)                 # Gather of a constant index, Unsqueeze
        y = torch.tanh(y).unsqueeze(2).squeeze(2)     # Squeeze
        joined = torch.cat([soft, y, gate], dim=1)    # Concat
        return self.last(joined)


class Unsupported(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 4)

    def forward(self, coords):
        return torch.erf(self.linear(coords))


def multi_indices(dims, order):
    """Graded lexicographic order: by degree, then larger exponents on earlier axes first."""
    result = []
    for degree in range(order + 1):
        same_degree = [a for a in itertools.product(range(degree + 1), repeat=dims) if sum(a) == degree]
        result += sorted(same_degree, reverse=True)
    return result


def index_name(alpha):
    return "f" if sum(alpha) == 0 else "f_" + "".join(axis * count for axis, count in zip("xyz", alpha))


def derivatives(model, points):
    """[points, channels, M] of true derivatives by nested autograd (each point is independent, so
    differentiating the sum over points gives every point's derivative at once)."""
    dims = points.shape[1]
    indices = multi_indices(dims, ORDER)
    x = points.clone().requires_grad_(True)
    out = model(x)
    result = torch.zeros(points.shape[0], out.shape[1], len(indices), dtype=torch.float64)
    for channel in range(out.shape[1]):
        value = {indices[0]: out[:, channel]}
        for alpha in indices:
            if sum(alpha) == ORDER:
                continue
            grads = torch.autograd.grad(value[alpha].sum(), x, create_graph=True, allow_unused=True)[0]
            for axis in range(dims):
                child = tuple(a + (i == axis) for i, a in enumerate(alpha))
                if child not in value:
                    value[child] = grads[:, axis] if grads is not None else torch.zeros_like(out[:, 0])
        for position, alpha in enumerate(indices):
            result[:, channel, position] = value[alpha].detach()
    return result, indices


def check_first_derivatives(model, points, result):
    """An independent check of the autograd values: central differences of the forward pass."""
    step = 1e-6
    for axis in range(points.shape[1]):
        shift = torch.zeros_like(points)
        shift[:, axis] = step
        with torch.no_grad():
            difference = (model(points + shift) - model(points - shift)) / (2 * step)
        np.testing.assert_allclose(result[:, :, 1 + axis].numpy(), difference.numpy(), rtol=1e-5, atol=1e-6)


def export(model, example, path, opset):
    torch.onnx.export(model, example, str(path), input_names=["coords"], output_names=["output"],
                      dynamic_axes={"coords": {0: "N"}, "output": {0: "N"}}, opset_version=opset)
    onnx.checker.check_model(onnx.load(str(path)))


def write_reference(name, model, fan_in, generator):
    points = torch.rand(POINTS, fan_in, generator=generator, dtype=torch.float64) * 2.0 - 1.0
    reference = model.double()
    with torch.no_grad():
        outputs = reference(points)
    result, indices = derivatives(reference, points)
    np.testing.assert_array_equal(result[:, :, 0].numpy(), outputs.numpy())
    check_first_derivatives(reference, points, result)
    np.save(HERE / f"{name}_points.npy", points.numpy())
    np.save(HERE / f"{name}_outputs.npy", outputs.numpy())
    np.save(HERE / f"{name}_derivatives.npy", result.numpy())
    sidecar = {
        "model": f"{name}.onnx",
        "layout": "[points, channels, M]",
        "order": ORDER,
        "dims": fan_in,
        "channels": int(outputs.shape[1]),
        "multi_indices": [list(alpha) for alpha in indices],
        "names": [index_name(alpha) for alpha in indices],
    }
    (HERE / f"{name}_derivatives.json").write_text(json.dumps(sidecar, indent=1) + "\n")


def main():
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1234)
    # (name, model, input width, opsets to export at, export in float64)
    models = [
        ("siren_2_3", Siren(2, 3, 32, 2, 30.0), 2, [13], False),
        ("siren_1_1", Siren(1, 1, 16, 1, 30.0), 1, [17], True),
        ("siren_3_2", Siren(3, 2, 16, 1, 30.0), 3, [15], False),
        ("tanh_2_2", TanhMlp(2, 2, 24, 2), 2, [14], False),
        ("zoo", Zoo(), 2, [11, 17], False),
    ]
    for name, model, fan_in, opsets, in_double in models:
        model.eval()
        exported = model.double() if in_double else model.float()
        example = torch.zeros(4, fan_in, dtype=torch.float64 if in_double else torch.float32)
        for opset in opsets:
            suffix = "" if len(opsets) == 1 else f"_opset{opset}"
            export(exported, example, HERE / f"{name}{suffix}.onnx", opset)
        write_reference(name, model, fan_in, generator)
    unsupported = Unsupported().eval()
    export(unsupported, torch.zeros(4, 2), HERE / "unsupported_erf.onnx", 13)

    total = 0
    for path in sorted(HERE.iterdir()):
        if path.suffix in (".onnx", ".npy", ".json"):
            total += path.stat().st_size
            print(f"{path.stat().st_size:8d}  {path.name}")
    print(f"{total:8d}  total bytes")


if __name__ == "__main__":
    main()
