#!/usr/bin/python3
"""Writes tests/data/insp_reference/: a small SIREN's weights, sample coordinates, and the features
INSP-Net's gradient export loop computes for them, all float64 .npy files.

The loop is INSP-Net's `new_grad_lastdim` as called by its export script (VITA-Group/INSP,
export_colorray.py: `new_grad_lastdim(y, x, 63 * 3)` with the default num=31): a list that starts
with the output channels, then for call i the gradient of list[i] / 189 with respect to the
coordinates (grad_outputs = ones, create_graph=True), whose x and y components are appended.
reverse_test.cpp checks inrarch's Layout::Insp against these features.

Run with Debian's interpreter (it has torch): /usr/bin/python3 tests/data/make_insp_reference.py
"""
import os

import numpy as np
import torch

IN, OUT, WIDTH, HIDDEN, OMEGA = 2, 3, 16, 2, 30.0
POINTS = 8
CALLS = 31
DIVISOR = 63 * 3
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "insp_reference")


def siren_layers(rng):
    """SIREN initialisation (Sitzmann et al. 2020), PyTorch layout weight [out, in], bias [out]."""
    layers = []
    count = HIDDEN + 2
    for k in range(count):
        fan_in = IN if k == 0 else WIDTH
        fan_out = OUT if k == count - 1 else WIDTH
        bound = 1.0 / fan_in if k == 0 else np.sqrt(6.0 / fan_in) / OMEGA
        weight = rng.uniform(-bound, bound, size=(fan_out, fan_in))
        bias = rng.uniform(-1.0 / np.sqrt(fan_in), 1.0 / np.sqrt(fan_in), size=(fan_out,))
        layers.append((weight, bias))
    return layers


def siren(layers, x):
    h = x
    for k, (weight, bias) in enumerate(layers):
        h = torch.nn.functional.linear(h, torch.from_numpy(weight), torch.from_numpy(bias))
        if k + 1 < len(layers):
            h = torch.sin(OMEGA * h)
    return h


def insp_export_features(y, x, divisor, calls):
    """INSP-Net's export loop, restated: BFS over ordered partials, each grad call on value / divisor."""
    features = [y[..., c] for c in range(y.shape[-1])]
    for i in range(calls):
        value = features[i]
        gradient = torch.autograd.grad(value / divisor, x, torch.ones_like(value), create_graph=True)[0]
        features.append(gradient[..., 0])
        features.append(gradient[..., 1])
    return torch.stack(features, dim=-1)


def main():
    torch.set_default_dtype(torch.float64)
    rng = np.random.RandomState(20221128)
    layers = siren_layers(rng)
    coords = rng.uniform(-1.0, 1.0, size=(POINTS, IN))
    x = torch.from_numpy(coords).clone().requires_grad_(True)
    features = insp_export_features(siren(layers, x), x, DIVISOR, CALLS)

    os.makedirs(HERE, exist_ok=True)
    for k, (weight, bias) in enumerate(layers):
        np.save(os.path.join(HERE, f"net.{k}.weight.npy"), weight)
        np.save(os.path.join(HERE, f"net.{k}.bias.npy"), bias)
    np.save(os.path.join(HERE, "coords.npy"), coords)
    np.save(os.path.join(HERE, "features.npy"), features.detach().numpy())
    print("features", tuple(features.shape), "torch", torch.__version__)


if __name__ == "__main__":
    main()
