#!/usr/bin/python3
"""Evaluates ONNX files with NumPy, independently of inrarch's importer.

No ONNX runtime is installed here, and a round trip through our own importer cannot catch a
mistake that the exporter and the importer share; this interpreter, written from the ONNX operator
specification, is the tests' oracle for what an exported file means. It covers exactly the ops
export_onnx emits, computing in float64.

Usage: /usr/bin/python3 tests/onnx_numpy_eval.py MODEL POINTS OUT [MODEL POINTS OUT ...]
  MODEL: an .onnx file with one input; POINTS: an .npy array for it;
  OUT: a prefix; graph output k is written to OUT_k.npy.
"""

import sys

import numpy as np
import onnx
from onnx import numpy_helper


def attributes(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def gemm(x, y, c=None, alpha=1.0, beta=1.0, transA=0, transB=0):
    product = alpha * ((x.T if transA else x) @ (y.T if transB else y))
    return product if c is None else product + beta * c


def slice_(x, starts, ends, axes=None, steps=None):
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * x.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps):
        index[axis] = slice(start, end, step)
    return x[tuple(index)]


def reduce_sum(x, axes=None, keepdims=1, noop_with_empty_axes=0):
    if axes is None or len(axes) == 0:
        return x if noop_with_empty_axes else np.sum(x, keepdims=bool(keepdims))
    return np.sum(x, axis=tuple(int(a) for a in axes), keepdims=bool(keepdims))


OPS = {
    "Identity": lambda x: x,
    "Add": np.add,
    "Sub": np.subtract,
    "Mul": np.multiply,
    "Div": np.divide,
    "Neg": np.negative,
    "Sin": np.sin,
    "Cos": np.cos,
    "Tanh": np.tanh,
    "Exp": np.exp,
    "Relu": lambda x: np.maximum(x, 0.0),
    "Sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "Greater": np.greater,
    "Cast": lambda x, to: x.astype(np.float64 if to in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE) else
                                   onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[to]),
    "Gemm": gemm,
    "MatMul": np.matmul,
    "Expand": lambda x, shape: np.broadcast_to(x, np.broadcast_shapes(x.shape, tuple(shape))),
    "Reshape": lambda x, shape: np.reshape(x, [x.shape[i] if d == 0 else d for i, d in enumerate(shape)]),
    "ReduceSum": reduce_sum,
    "Slice": slice_,
    "Gather": lambda x, indices, axis=0: np.take(x, indices, axis=axis),
    "Concat": lambda *parts, axis: np.concatenate(parts, axis=axis),
    "Transpose": lambda x, perm=None: np.transpose(x, perm),
    "Shape": lambda x: np.array(x.shape, dtype=np.int64),
    "Constant": lambda value: numpy_helper.to_array(value).astype(
        np.float64 if numpy_helper.to_array(value).dtype.kind == "f" else np.int64),
}


def evaluate(model_path, points):
    graph = onnx.load(model_path).graph
    values = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in graph.initializer}
    (graph_input,) = [i for i in graph.input if i.name not in values]
    values[graph_input.name] = points.astype(np.float64)
    for node in graph.node:
        operands = [values[name] if name else None for name in node.input]
        values[node.output[0]] = OPS[node.op_type](*operands, **attributes(node))
    return [values[output.name] for output in graph.output]


def main(arguments):
    for model_path, points_path, prefix in zip(arguments[0::3], arguments[1::3], arguments[2::3]):
        for k, result in enumerate(evaluate(model_path, np.load(points_path))):
            np.save(f"{prefix}_{k}.npy", np.asarray(result, dtype=np.float64))


if __name__ == "__main__":
    main(sys.argv[1:])
