#!/usr/bin/python3
"""Writes tests/data/insp_head/: a small INSP-Net head made in PyTorch, exported with
torch.onnx.export, and PyTorch's outputs for fixed feature inputs.

The head has the layer structure of INSP-Net's own head (VITA-Group/INSP, eval_insp.py, class INSP;
see docs/insp.md): five nn.Linear layers fc1, fc2, fc3, fc5, fc4 applied in that order, each of the
first four followed by F.leaky_relu(negative_slope=0), which torch.onnx exports as LeakyRelu with
alpha 0. Only the width is smaller (16 instead of 256) so the file stays small. Its input is the 65
features of INSP-Net's export loop (3 colours and 31 grad calls), named "insp_calls31" so that
inrarch knows which derivative layout the head expects.

The fixed inputs are the features in tests/data/insp_reference/features.npy, which
make_insp_reference.py computed with INSP-Net's export loop from a small SIREN whose weights are
stored next to them. insp_test.cpp checks two things against outputs.npy:
  - the imported head applied to those features gives PyTorch's outputs;
  - the fused graph (the SIREN's INSP features followed by the head, one graph) evaluated at the
    SIREN's coordinates gives them too.
It also writes leaky_relu.onnx, LeakyRelu with alpha 0.25 alone (the general case of the op INSP-Net
uses with alpha 0), with sample inputs and PyTorch's outputs, for the importer's LeakyRelu rule.
The outputs are computed in float64 from the float32 weights the ONNX file stores, so they are
what the exported head computes, without float32 rounding of the arithmetic.

Run with Debian's interpreter (it has torch): /usr/bin/python3 tests/data/make_insp_head.py
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

FEATURES, WIDTH, CHANNELS = 65, 16, 3
INPUT_NAME = "insp_calls31"
DATA = os.path.dirname(os.path.abspath(__file__))
HERE = os.path.join(DATA, "insp_head")


class LeakyRelu(torch.nn.Module):
    def forward(self, x):
        return F.leaky_relu(x, negative_slope=0.25)


class InspHead(torch.nn.Module):
    """INSP-Net's head: Linear-ReLU x4, then Linear; layer names as in the authors' code."""

    def __init__(self, features, width, channels):
        super().__init__()
        self.fc1 = torch.nn.Linear(features, width)
        self.fc2 = torch.nn.Linear(width, width)
        self.fc3 = torch.nn.Linear(width, width)
        self.fc5 = torch.nn.Linear(width, width)
        self.fc4 = torch.nn.Linear(width, channels)

    def forward(self, x):
        for layer in (self.fc1, self.fc2, self.fc3, self.fc5):
            x = F.leaky_relu(layer(x), negative_slope=0)
        return self.fc4(x)


def main():
    torch.manual_seed(20221128)
    head = InspHead(FEATURES, WIDTH, CHANNELS)
    features = np.load(os.path.join(DATA, "insp_reference", "features.npy"))
    assert features.shape == (8, FEATURES), features.shape
    # The features of a small random SIREN shrink by orders of magnitude per derivative order. Scaling
    # each input column of fc1 by 1 / (the feature's largest magnitude) gives every feature a
    # comparable effect on the outputs, so the checks see an error in any one of them. (inrarch's
    # own trained heads fold their feature normalisation into fc1 in the same way.)
    with torch.no_grad():
        head.fc1.weight.div_(torch.from_numpy(np.abs(features).max(axis=0)).float())

    os.makedirs(HERE, exist_ok=True)
    example = torch.from_numpy(features).float()
    torch.onnx.export(head, example, os.path.join(HERE, "insp_head.onnx"), input_names=[INPUT_NAME],
                      output_names=["output"], dynamic_axes={INPUT_NAME: {0: "N"}, "output": {0: "N"}},
                      opset_version=13)

    with torch.no_grad():
        outputs = head.double()(torch.from_numpy(features)).numpy()
    np.save(os.path.join(HERE, "outputs.npy"), outputs)

    samples = np.random.RandomState(7).uniform(-2.0, 2.0, size=(6, 4))
    torch.onnx.export(LeakyRelu(), torch.from_numpy(samples).float(), os.path.join(HERE, "leaky_relu.onnx"),
                      input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "N"}, "y": {0: "N"}},
                      opset_version=13)
    np.save(os.path.join(HERE, "leaky_relu_inputs.npy"), samples)
    np.save(os.path.join(HERE, "leaky_relu_outputs.npy"), F.leaky_relu(torch.from_numpy(samples), 0.25).numpy())
    print("outputs", outputs.shape, "torch", torch.__version__)


if __name__ == "__main__":
    main()
