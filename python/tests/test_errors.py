"""Bad input raises the documented exception with the command line's one-line message."""

import numpy as np
import pytest
import torch

import inrarch


@pytest.fixture(scope="module")
def model():
    return inrarch.load("siren:in=2,out=1,width=8,hidden=1")


def test_bad_points(model):
    good = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"points must have shape \[P, 2\]"):
        model.derivatives(np.zeros(4), 1)
    with pytest.raises(ValueError, match=r"points must have shape \[P, 2\]"):
        model.derivatives(np.zeros((4, 3)), 1)
    nan = good.copy()
    nan[2, 1] = np.nan
    with pytest.raises(ValueError, match="point 2 has a coordinate that is not finite"):
        model.derivatives(nan, 1)
    with pytest.raises(TypeError, match="dtype int64"):
        model.derivatives(np.zeros((4, 2), dtype=np.int64), 1)
    with pytest.raises(TypeError, match="float16"):
        model.derivatives(good, 1, dtype=np.float16)
    with pytest.raises(ValueError, match="order -1 out of range"):
        model.derivatives(good, -1)
    with pytest.raises(TypeError, match="order must be an int"):
        model.derivatives(good, 1.5)
    with pytest.raises(ValueError, match="--method sideways: expected taylor or nested"):
        model.derivatives(good, 1, method="sideways")
    with pytest.raises(ValueError, match="--engine gpu"):
        model.derivatives(good, 1, engine="gpu")


def test_bad_models(tmp_path):
    with pytest.raises(ValueError, match="width=0 out of range"):
        inrarch.load("siren:width=0")
    with pytest.raises(ValueError, match="/nonexistent/model.onnx"):
        inrarch.load("/nonexistent/model.onnx")
    with pytest.raises(ValueError, match="not a valid ONNX model"):
        inrarch.load(b"\x08\x07garbage that is not a protobuf \xff\xfe")
    with pytest.raises(TypeError, match="got int"):
        inrarch.load(3)

    class Spectral(torch.nn.Module):
        def forward(self, x):
            return torch.fft.rfft(x).real
    with pytest.raises(ValueError, match="Spectral: torch.onnx.export failed"):
        inrarch.load(Spectral(), example=torch.zeros(2, 2))

    class NoLinear(torch.nn.Module):
        def forward(self, x):
            return x
    with pytest.raises(ValueError, match="no nn.Linear"):
        inrarch.load(NoLinear())

    class Erf(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(2, 2)

        def forward(self, x):
            return torch.special.erf(self.linear(x))
    with pytest.raises(ValueError, match="Erf"):
        inrarch.load(Erf()).derivatives(np.zeros((2, 2)), 1)


def test_cuda_tensor_is_refused_before_anything_runs(model):
    class FakeCuda:  # stands for a CUDA tensor on machines without one
        __module__ = "torch"
        device = torch.device("meta")
    with pytest.raises(TypeError, match="inrarch computes on the CPU"):
        model.derivatives(FakeCuda(), 1)
