"""Memory, threads and interruption: the input is read in place, the GIL is released while the
engine computes, and Ctrl-C stops a long call."""

import _thread
import threading
import time
import tracemalloc

import numpy as np
import pytest
import torch

import inrarch

SMALL = "siren:in=2,out=1,width=4,hidden=1,seed=1"


def traced_peak(call):
    """Bytes Python allocated (NumPy arrays included) at the peak of call()."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    result = call()
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    return peak, result


def test_input_is_not_copied():
    model = inrarch.load(SMALL)
    points = np.random.default_rng(0).uniform(-1, 1, size=(100_000, 2))  # 1.6 MB
    model(points[:8])  # compile first: its allocations are not the call's
    output_bytes = 100_000 * 8
    peak, values = traced_peak(lambda: model(points))
    assert values.shape == (100_000, 1)
    assert peak < output_bytes + points.nbytes // 4, (peak, points.nbytes)
    tensor = torch.from_numpy(points)
    peak, _ = traced_peak(lambda: model(tensor))
    assert peak < output_bytes + points.nbytes // 4, (peak, points.nbytes)
    # The measurement can fail: a non-contiguous view must be copied, and that copy shows.
    strided = np.repeat(points, 2, axis=1)[:, ::2]
    peak, _ = traced_peak(lambda: model(strided))
    assert peak >= output_bytes + points.nbytes


def long_call_inputs():
    """A model and enough of the engine's 16384-point chunks (at least 4) for a call of ~0.4 s, in a
    debug build as in a release one."""
    model = inrarch.load("siren:in=2,out=3,width=8,hidden=1,seed=2")
    chunk = np.random.default_rng(1).uniform(-1, 1, size=(16384, 2)).astype(np.float32)
    model.derivatives(chunk[:16], 1, threads=1)  # compile outside the timed calls
    start = time.perf_counter()
    model.derivatives(chunk, 1, threads=1)
    chunks = max(4, int(np.ceil(0.4 / (time.perf_counter() - start))))
    return model, np.tile(chunk, (chunks, 1))


def test_gil_is_released_while_computing():
    model, points = long_call_inputs()
    done = threading.Event()
    elapsed = []

    def compute():
        start = time.perf_counter()
        model.derivatives(points, 1, threads=1)
        elapsed.append(time.perf_counter() - start)
        done.set()

    worker = threading.Thread(target=compute)
    worker.start()
    ticks = 0
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    # Holding the GIL for the whole call would leave this thread a handful of ticks at most.
    assert elapsed[0] > 0.1
    assert ticks > 0.3 * elapsed[0] / 0.0011, (ticks, elapsed[0])


def test_ctrl_c_interrupts_between_chunks():
    model, points = long_call_inputs()
    start = time.perf_counter()
    model.derivatives(points, 1, threads=1)
    full = time.perf_counter() - start
    timer = threading.Timer(full / 6, _thread.interrupt_main)
    start = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        model.derivatives(points, 1, threads=1)
    stopped = time.perf_counter() - start
    timer.join()
    assert stopped < 0.75 * full, (stopped, full)
    model.derivatives(points[:100], 1, threads=1)  # the model still works afterwards
