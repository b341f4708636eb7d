"""inrarch from PyTorch: derivatives of a torch.nn.Module as torch.Tensors.

    import inrarch.torch
    d = inrarch.torch.derivatives(module, x, order=2)      # torch.Tensor [P, C, M], shares memory
    compiled = inrarch.torch.Compiled(module)              # export once, compile once per (order, method, dtype)
    d = compiled.derivatives(x, order=2)

The module is exported to ONNX in memory (torch.onnx.export, dynamic batch axis) and run by
inrarch's engine; nothing is differentiated by autograd. Results do not carry autograd history.
"""

from __future__ import annotations

import io
from typing import Optional

import numpy as np
import torch

from . import Model, load

__all__ = ["derivatives", "Compiled", "export_onnx"]


def _example_input(module: torch.nn.Module) -> torch.Tensor:
    for layer in module.modules():
        if isinstance(layer, torch.nn.Linear):
            return torch.zeros(2, layer.in_features, dtype=layer.weight.dtype)
    raise ValueError(f"{type(module).__name__}: no nn.Linear to make an input example from; "
                     "give one with example=torch.zeros(P, d)")


def export_onnx(module: torch.nn.Module, example: Optional[torch.Tensor] = None) -> bytes:
    """The module as ONNX bytes with a dynamic batch axis; `example` [P, d] defaults to zeros of the
    first nn.Linear's width. Raises ValueError when torch.onnx.export cannot export it."""
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"expected a torch.nn.Module, got {type(module).__name__}")
    if example is None:
        example = _example_input(module)
    buffer = io.BytesIO()
    try:
        torch.onnx.export(module, (example,), buffer, input_names=["coords"], output_names=["output"],
                          dynamic_axes={"coords": {0: "points"}, "output": {0: "points"}}, opset_version=17)
    except Exception as error:  # torch raises many types here; the user's module is at fault
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"{type(module).__name__}: torch.onnx.export failed: {message}") from error
    return buffer.getvalue()


def _as_tensor(values: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(values)  # no copy: the tensor owns the engine's output array


class Compiled:
    """A module exported once; the derivative plan compiled once per (order, method, dtype) and
    cached, so repeated calls pay no export or compile cost. Re-create it after changing the
    module's weights."""

    def __init__(self, module, example: Optional[torch.Tensor] = None):
        self.model: Model = load(module, example=example)

    def derivatives(self, x, order: int, method: str = "taylor", dtype=None, threads: Optional[int] = None,
                    layout: str = "unique") -> torch.Tensor:
        """As inrarch.Model.derivatives, returning a torch.Tensor [P, C, M] (dtype follows x)."""
        return _as_tensor(self.model.derivatives(x, order, method=method, dtype=dtype, threads=threads,
                                                 layout=layout))

    def __call__(self, x, dtype=None, threads: Optional[int] = None) -> torch.Tensor:
        """The module's values at x as a torch.Tensor [P, C], computed by inrarch."""
        return _as_tensor(self.model(x, dtype=dtype, threads=threads))


def derivatives(module_or_model, x, order: int, method: str = "taylor", dtype=None,
                threads: Optional[int] = None, layout: str = "unique") -> torch.Tensor:
    """All partial derivatives up to `order` of a torch.nn.Module (exported on every call, since its
    weights may have changed: use Compiled to export once), a Model or a Compiled, at x [P, d].

    Returns a torch.Tensor [P, C, M] sharing the engine's output memory; arguments as
    inrarch.Model.derivatives."""
    if isinstance(module_or_model, Compiled):
        return module_or_model.derivatives(x, order, method=method, dtype=dtype, threads=threads, layout=layout)
    model = load(module_or_model)
    return _as_tensor(model.derivatives(x, order, method=method, dtype=dtype, threads=threads, layout=layout))
