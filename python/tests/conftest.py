"""Shared oracles: PyTorch float64 autograd, exactly as INSP-Net's export loop differentiates."""


import numpy as np
import pytest
import torch


class Sine(torch.nn.Module):
    def __init__(self, omega):
        super().__init__()
        self.omega = omega

    def forward(self, x):
        return torch.sin(self.omega * x)


def mlp(widths, activation, seed=0):
    """Linear layers of `widths` with `activation` between them (not after the last)."""
    torch.manual_seed(seed)
    layers = []
    for k in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[k], widths[k + 1]))
        if k < len(widths) - 2:
            layers.append(activation)
    return torch.nn.Sequential(*layers)


def sine_mlp(widths, omega=3.0, seed=0):
    return mlp(widths, Sine(omega), seed)


def tanh_mlp(widths, seed=0):
    return mlp(widths, torch.nn.Tanh(), seed)


def graded_lex(dims, order):
    """Multi-indices with |alpha| <= order in graded lexicographic order, as DESIGN.md §3 defines."""
    result = []
    for degree in range(order + 1):
        def rec(prefix, left, position):
            if position == dims - 1:
                result.append(tuple(prefix + [left]))
                return
            for a in range(left, -1, -1):
                rec(prefix + [a], left - a, position + 1)
        rec([], degree, 0)
    return result


def autograd_derivatives(module, points, order):
    """[P, C, M] of true partial derivatives by nested torch.autograd.grad in float64."""
    module = module.double()
    x = torch.tensor(points, dtype=torch.float64, requires_grad=True)
    f = module(x)
    dims = points.shape[1]
    alphas = graded_lex(dims, order)
    out = np.zeros((points.shape[0], f.shape[1], len(alphas)))
    for c in range(f.shape[1]):
        known = {tuple([0] * dims): f[:, c]}
        for m, alpha in enumerate(alphas):
            if alpha not in known:
                axis = max(i for i in range(dims) if alpha[i] > 0)
                parent = list(alpha)
                parent[axis] -= 1
                g = torch.autograd.grad(known[tuple(parent)].sum(), x, create_graph=True)[0]
                known[alpha] = g[:, axis]
            out[:, c, m] = known[alpha].detach().numpy()
    return out


def assert_close(ours, reference, rel):
    """|ours - reference| <= rel * max(1, max |reference| of that derivative)."""
    assert ours.shape == reference.shape
    scale = np.maximum(1.0, np.abs(reference).max(axis=(0, 1), keepdims=True))
    error = np.abs(ours.astype(np.float64) - reference) / scale
    assert error.max() <= rel, f"max scaled error {error.max():.3g} > {rel:g}"


@pytest.fixture
def points():
    return np.random.default_rng(1).uniform(-1, 1, size=(37, 2))


