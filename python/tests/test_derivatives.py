"""inrarch.load and Model.derivatives against PyTorch float64 autograd (an independent oracle)."""

import copy
import os

import numpy as np
import onnx
import onnx.numpy_helper
import pytest
import torch

import inrarch
import inrarch.torch
from conftest import assert_close, autograd_derivatives, sine_mlp, tanh_mlp, Sine


@pytest.mark.parametrize("make", [lambda: sine_mlp([2, 24, 24, 3]), lambda: tanh_mlp([2, 16, 16, 2])],
                         ids=["sine", "tanh"])
@pytest.mark.parametrize("method", ["taylor", "nested"])
def test_module_derivatives_match_autograd(make, method, points):
    module = make()
    model = inrarch.load(module)
    reference = autograd_derivatives(copy.deepcopy(module), points, 3)
    ours64 = model.derivatives(points, order=3, method=method)
    assert ours64.dtype == np.float64
    assert_close(ours64, reference, 1e-9)
    ours32 = model.derivatives(points.astype(np.float32), order=3, method=method)
    assert ours32.dtype == np.float32
    assert_close(ours32, reference, 1e-3)


def test_three_dimensional_coordinates():
    module = sine_mlp([3, 16, 1], omega=2.0)
    x = np.random.default_rng(2).uniform(-1, 1, size=(11, 3))
    model = inrarch.load(module)
    assert model.dims == 3
    assert_close(model.derivatives(x, 2), autograd_derivatives(copy.deepcopy(module), x, 2), 1e-9)
    assert model.names(1) == ["f", "f_x", "f_y", "f_z"]


def siren_from_onnx(path, omega):
    """The built-in SIREN rebuilt in PyTorch from its exported weights: sin(omega (x W^T + b))."""
    weights = {t.name: torch.tensor(onnx.numpy_helper.to_array(t).astype(np.float64))
               for t in onnx.load(path).graph.initializer}
    layers = sorted({name.split(".")[1] for name in weights}, key=int)

    def forward(x):
        for i, k in enumerate(layers):
            x = x @ weights[f"net.{k}.weight"].T + weights[f"net.{k}.bias"]
            if i < len(layers) - 1:
                x = torch.sin(omega * x)
        return x

    class Siren(torch.nn.Module):
        def forward(self, x):
            return forward(x)
    return Siren()


def test_builtin_spec_bytes_and_path_agree_with_autograd(tmp_path, points):
    spec = "siren:in=2,out=3,width=32,hidden=2,omega=30,seed=4"
    model = inrarch.load(spec)
    path = tmp_path / "siren.onnx"
    model.export(path)
    reference = autograd_derivatives(siren_from_onnx(str(path), 30.0), points, 2)
    from_path = inrarch.load(path)
    assert_close(from_path.derivatives(points, 2), reference, 1e-9)
    np.testing.assert_array_equal(inrarch.load(path.read_bytes()).derivatives(points, 2),
                                  from_path.derivatives(points, 2))
    # The file holds float32 weights; the spec's own are the doubles they were rounded from.
    assert_close(model.derivatives(points, 2), reference, 1e-5)
    assert model.names(2) == ["f", "f_x", "f_y", "f_xx", "f_xy", "f_yy"]
    assert model.multi_indices(2) == [[0, 0], [1, 0], [0, 1], [2, 0], [1, 1], [0, 2]]


def test_forward_values_info_and_layout(points):
    module = sine_mlp([2, 8, 3])
    model = inrarch.load(module)
    expected = copy.deepcopy(module).double()(torch.tensor(points)).detach().numpy()
    np.testing.assert_allclose(model(points), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(model.derivatives(points, 0)[:, :, 0], model(points))
    assert [i["name"] for i in model.inputs] == ["coords"]
    assert model.outputs[0]["shape"] == [-1, 3]
    info = model.info()
    assert info["parameters"] == 2 * 8 + 8 + 8 * 3 + 3
    assert [layer["activation"] for layer in info["layers"]] == ["sin(3*x)", "linear"]
    insp = model.derivatives(points, 2, method="nested", layout="insp", insp_calls=5)
    assert insp.shape[0] == len(points)


def test_torch_tensors_in_and_out_share_memory(points):
    module = tanh_mlp([2, 8, 1])
    x = torch.tensor(points, dtype=torch.float32)
    d = inrarch.torch.derivatives(module, x, order=1)
    assert isinstance(d, torch.Tensor) and d.dtype == torch.float32 and tuple(d.shape) == (len(points), 1, 3)
    assert_close(d.numpy(), autograd_derivatives(copy.deepcopy(module), points, 1), 1e-3)
    compiled = inrarch.torch.Compiled(module)
    first = compiled.derivatives(x.double(), order=2)
    second = compiled.derivatives(x.double(), order=2)
    assert torch.equal(first, second)
    assert len(compiled.model._evaluators) == 1  # one compiled plan, reused
    compiled.derivatives(x, order=2)
    assert len(compiled.model._evaluators) == 2  # float32 is another plan
    values = compiled(x)
    assert tuple(values.shape) == (len(points), 1)


def test_non_contiguous_input_is_converted_once(points):
    model = inrarch.load(sine_mlp([2, 8, 2]))
    wide = np.asfortranarray(points)
    assert not wide.flags.c_contiguous
    np.testing.assert_array_equal(model.derivatives(wide, 2), model.derivatives(points, 2))
    np.testing.assert_array_equal(model.derivatives(points.tolist(), 1), model.derivatives(points, 1))
    as32 = model.derivatives(points, 1, dtype=np.float32)
    assert as32.dtype == np.float32


def test_grid_of_the_default_siren_runs_from_any_directory(tmp_path):
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        model = inrarch.load(inrarch.DEFAULT_SIREN)
        grid = np.stack(np.meshgrid(np.linspace(-1, 1, 8), np.linspace(-1, 1, 8)), -1).reshape(-1, 2)
        assert model.derivatives(grid.astype(np.float32), 2).shape == (64, 3, 6)
    finally:
        os.chdir(cwd)
