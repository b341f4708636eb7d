"""inrarch: arbitrary-order input derivatives of implicit neural representations (INRs).

    import inrarch
    model = inrarch.load("siren:in=2,out=3,width=64,hidden=2")  # or an ONNX path/bytes, or a torch.nn.Module
    d = model.derivatives(points, order=2)                       # NumPy [P, channels, M]
    model.names(2)                                               # ['f', 'f_x', 'f_y', 'f_xx', 'f_xy', 'f_yy']

The package is a thin layer over inrarch's C++ library (the same one the `inrarch` command line
uses): points are read in place, results are written once into the returned array, the GIL is
released while the engine computes, and Ctrl-C raises KeyboardInterrupt between chunks of points.
Bad input raises ValueError (or TypeError for an array of the wrong type) with the command line's
one-line message; a failure inside the library raises RuntimeError.
"""

from __future__ import annotations

import os
import tempfile
import threading
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np

from . import _core

__all__ = ["Model", "load", "csim", "DEFAULT_SIREN"]

DEFAULT_SIREN = "siren:in=2,out=3,width=256,hidden=3,omega=30,seed=0"

_DTYPES = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}


def _points_array(points: Any, dtype: Optional[Union[str, np.dtype, type]]) -> np.ndarray:
    """The points as a C-contiguous float32/float64 array: the caller's own memory when it already
    is one (and `dtype` does not ask for another), else exactly one conversion."""
    if type(points).__module__.startswith("torch"):
        if points.device.type != "cpu":
            raise TypeError(f"points: a torch.Tensor on {points.device}; inrarch computes on the CPU "
                            "(move it with .cpu())")
        points = points.detach().numpy()  # shares the tensor's memory
    if not isinstance(points, np.ndarray):
        points = np.asarray(points)
        if points.dtype not in _DTYPES:
            points = points.astype(np.float64)
    if points.dtype not in _DTYPES:
        raise TypeError(f"points: dtype {points.dtype} is not supported; give float32 or float64 "
                        "(e.g. points.astype(np.float32))")
    target = points.dtype if dtype is None else np.dtype(dtype)
    if target not in _DTYPES:
        raise TypeError(f"dtype {target}: expected float32 or float64")
    return np.ascontiguousarray(points, dtype=target)


class Model:
    """A loaded model: an ONNX file, ONNX bytes, a built-in spec or an exported torch.nn.Module.

    Graphs and compiled engines are cached per dtype and per derivative options, so repeated calls
    pay no compile cost. Safe to call from several Python threads (calls on one compiled engine
    run one after the other; different orders or dtypes run in parallel)."""

    def __init__(self, source: str, owned_directory: Optional[tempfile.TemporaryDirectory] = None):
        self._source = source
        self._owned_directory = owned_directory  # keeps an in-memory model's ONNX file alive
        self._graphs: Dict[Tuple, Any] = {}
        self._evaluators: Dict[Tuple, Any] = {}
        self._lock = threading.Lock()
        info = self._graph("f32").info()  # loads and checks the model now
        self.inputs: List[Dict[str, Any]] = info["inputs"]
        self.outputs: List[Dict[str, Any]] = info["outputs"]
        self.dims: int = self._graph("f32").coordinate_input()[1]

    @property
    def source(self) -> str:
        """What the model was loaded from: a path or a spec (a temporary file for bytes and modules)."""
        return self._source

    def _graph(self, dtype: str, order: Optional[int] = None, method: str = "taylor",
               layout: str = "unique", insp_calls: int = 31):
        key = (dtype, order, method, layout, insp_calls)
        with self._lock:
            graph = self._graphs.get(key)
        if graph is None:
            if order is None:
                graph = _core.load_model(self._source, dtype)
            else:  # order 0: the optimized forward model
                graph = _core.derivative_graph(self._graph(dtype), order, method, layout, insp_calls)
            with self._lock:
                graph = self._graphs.setdefault(key, graph)
        return graph

    def _evaluator(self, dtype: str, order: int, method: str, layout: str, insp_calls: int,
                   engine: str, threads: int):
        key = (dtype, order, method, layout, insp_calls, engine, threads)
        with self._lock:
            evaluator = self._evaluators.get(key)
        if evaluator is None:
            evaluator = _core.Evaluator(self._graph(dtype, order, method, layout, insp_calls), engine, threads)
            with self._lock:
                evaluator = self._evaluators.setdefault(key, evaluator)
        return evaluator

    def _run(self, points, order, method, dtype, threads, layout, insp_calls, engine) -> np.ndarray:
        if isinstance(order, bool) or not isinstance(order, (int, np.integer)):
            raise TypeError(f"order must be an int, got {type(order).__name__}")
        if order < 0:
            raise ValueError(f"--order {order} out of range: the highest derivative order is 0 or more")
        if threads is not None and threads < 0:
            raise ValueError("--threads must be 0 (all cores) or more")
        array = _points_array(points, dtype)
        if array.ndim != 2 or array.shape[1] != self.dims:
            raise ValueError(f"points must have shape [P, {self.dims}], got {list(array.shape)}")
        evaluator = self._evaluator(_DTYPES[array.dtype], int(order), method, layout, insp_calls, engine,
                                    threads or 0)
        return evaluator.run(array)

    def derivatives(self, points, order: int, method: str = "taylor", dtype=None, threads: Optional[int] = None,
                    layout: str = "unique", insp_calls: int = 31, engine: str = "fast") -> np.ndarray:
        """All partial derivatives up to `order` of every output channel at `points`.

        points: [P, d] float32 or float64 array (NumPy, anything array-like, or a CPU torch.Tensor),
            d the model's coordinate dimension. C-contiguous arrays of either dtype are read in
            place; others are converted once.
        order: highest derivative order (0: just the values, as [P, C, 1]).
        method: "taylor" (multivariate Taylor mode, unique partials only) or "nested" (reverse mode
            applied `order` times, as INR-Arch and INSP-Net build their graphs).
        dtype: float32 or float64 arithmetic and result; None: the points' dtype.
        threads: engine worker threads; None or 0: all cores.
        layout: "unique" ([P, C, M], M = C(order + d, d), graded lexicographic multi-indices, true
            derivatives; see multi_indices() and names()) or "insp" (INSP-Net's feature ordering).
        insp_calls: layout "insp": grad calls of INSP-Net's loop.
        engine: "fast" (the CPU engine) or "reference" (the f64 reference evaluator, slow).

        Returns a new NumPy array [P, C, M] of the computation's dtype.
        Raises ValueError for bad points (wrong rank or width, NaN or infinity), a bad option or
        order < 0; TypeError for points of an unsupported type or dtype.
        """
        values = self._run(points, order, method, dtype, threads, layout, insp_calls, engine)
        return values[:, :, np.newaxis] if order == 0 else values  # a view: f is the only derivative

    def __call__(self, points, dtype=None, threads: Optional[int] = None, engine: str = "fast") -> np.ndarray:
        """The model's values at `points` ([P, d]): a new array [P, C]. Arguments as derivatives()."""
        return self._run(points, 0, "taylor", dtype, threads, "unique", 31, engine)

    def multi_indices(self, order: int) -> List[List[int]]:
        """The multi-indices (a_x, a_y, ...) of derivatives()' last axis, in graded lexicographic order."""
        return _core.multi_indices(self.dims, order)

    def names(self, order: int) -> List[str]:
        """The names of derivatives()' last axis: f, f_x, f_y, f_xx, f_xy, ... (as `inrarch grad`'s .json)."""
        return _core.multi_index_names(self.dims, order)

    def info(self) -> Dict[str, Any]:
        """Inputs, outputs, layers (weight, shape, bias, activation), parameters, MACs per point and op
        counts: what `inrarch info` prints."""
        return self._graph("f32").info()

    def export(self, path: Union[str, os.PathLike]) -> None:
        """Writes the model as an ONNX file."""
        self._graph("f32").export(os.fspath(path))

    def _design(self, order: int, tile: int, method: str, dtype: str, dsp_budget: Optional[int],
                fifo_strategy: str, part: Optional[str], clock_ns: Optional[float]):
        design = _core.DesignOptions()
        design.order, design.tile, design.method, design.dtype = order, tile, method, dtype
        design.dsp_budget = dsp_budget or 0
        design.fifo_strategy = fifo_strategy
        if part is not None:
            design.part = part
        if clock_ns is not None:
            design.clock_ns = clock_ns
        return design

    def compile_hls(self, order: int, out_dir: Union[str, os.PathLike], tile: int = 16,
                    dtype: str = "fixed32_10", dsp_budget: Optional[int] = None, method: str = "taylor",
                    test_points: int = 0, fifo_strategy: str = "analytic", part: Optional[str] = None,
                    clock_ns: Optional[float] = None) -> Dict[str, Any]:
        """Writes a Vitis HLS dataflow project for the derivatives up to `order` into `out_dir`, as
        `inrarch compile` does.

        tile: points per tile (K). dtype: "fixed32_10", "fixed<W>_<I>", "fixed<W>_auto" or "float".
        dsp_budget: choose each matmul's parallelism to fit this many DSPs. test_points: testbench
        points (0: one tile). fifo_strategy: "analytic", "double-shrink", "uniform:D" or "none".
        part, clock_ns: the Vitis target (default the Alveo U50 at 3.33 ns).

        Returns a dict: directory, fifo_sizing, number, warnings, processes, streams, fifo_elements,
        tile_points and report (the text the command line prints). Run it with inrarch.csim(dir).
        """
        design = self._design(order, tile, method, dtype, dsp_budget, fifo_strategy, part, clock_ns)
        return _core.compile_hls(self._source, design, test_points, os.fspath(out_dir))

    def simulate(self, order: int, num_points: int = 64, tile: int = 16, dtype: str = "fixed32_10",
                 dsp_budget: Optional[int] = None, method: str = "taylor", fifo_strategy: str = "analytic",
                 kernels: str = "library", exact_run: bool = False, out_dir: Optional[Union[str, os.PathLike]] = None,
                 part: Optional[str] = None, clock_ns: Optional[float] = None) -> Dict[str, Any]:
        """The dataflow design of the derivatives up to `order`, its FIFOs sized, run through the cycle
        simulator and the analysis over `num_points` points, as `inrarch simulate` does.

        Options as compile_hls(); kernels: "library" or "inrarch" (INR-Arch-like matmul, model only);
        exact_run: size the FIFOs for exactly this run; out_dir: also write simulation.json and
        the charts there.

        Returns simulation.json's figures as a dict (cycles, modeled_ms, deadlock, resources,
        processes, streams, ...) plus "text", the table the command line prints.
        """
        design = self._design(order, tile, method, dtype, dsp_budget, fifo_strategy, part, clock_ns)
        design.kernels = kernels
        return _core.simulate(self._source, design, num_points, exact_run,
                              "" if out_dir is None else os.fspath(out_dir))

    def __repr__(self) -> str:
        return f"inrarch.Model({self._source!r}, inputs={self.inputs}, outputs={self.outputs})"


def _from_bytes(data: bytes) -> Model:
    directory = tempfile.TemporaryDirectory(prefix="inrarch_")
    path = os.path.join(directory.name, "model.onnx")
    with open(path, "wb") as file:
        file.write(data)
    return Model(path, directory)


def load(model, example=None) -> Model:
    """Loads a model.

    model: a path to an ONNX file (str or os.PathLike), ONNX bytes, a built-in spec such as
        "siren:in=2,out=3,width=256,hidden=3,omega=30,seed=0", a torch.nn.Module, or a Model.
    example: for a torch.nn.Module, an input example [P, d] for torch.onnx.export; by default one
        is made from the module's first nn.Linear (its in_features). The export has a dynamic
        batch axis, so the Model takes any number of points.

    Raises ValueError for a missing or unreadable file, a bad spec, or a model with an op inrarch
    cannot differentiate (naming the node and op); TypeError for anything else.
    """
    if isinstance(model, Model):
        return model
    if isinstance(model, (bytes, bytearray, memoryview)):
        return _from_bytes(bytes(model))
    if isinstance(model, (str, os.PathLike)):
        return Model(os.fspath(model))
    if type(model).__module__.startswith("torch") or _is_torch_module(model):
        from .torch import export_onnx
        return _from_bytes(export_onnx(model, example))
    raise TypeError(f"load: expected an ONNX path or bytes, a spec string or a torch.nn.Module, "
                    f"got {type(model).__name__}")


def _is_torch_module(value) -> bool:
    try:
        import torch
    except ImportError:
        return False
    return isinstance(value, torch.nn.Module)


def csim(directory: Union[str, os.PathLike], depth: int = 0) -> Dict[str, Any]:
    """Builds and runs the threaded C-simulation of a project written by Model.compile_hls (its
    output goes to stdout). depth > 0 forces every FIFO to that depth.

    Returns {"status": exit status, "passed": bool}: 0 pass, 1 mismatch with the CPU engine,
    3 deadlock, 4 leftover FIFO data, 5 process failure."""
    status = _core.csim(os.fspath(directory), depth)
    return {"status": status, "passed": status == 0}
