#!/usr/bin/python3
"""The PyTorch side of inrarch's CPU benchmark: derivatives of a SIREN up to order n, computed the
way INSP-Net does it and the best way plain PyTorch can.

Why this file exists: inrarch's speed claims are ratios against PyTorch, so the PyTorch side must
be the real thing, written down once, checked, and timed the same way for every workload.

Methods (all float32, all derivatives with respect to the input coordinates):
  insp            INSP-Net's export loop (VITA-Group/INSP, export_colorray.py; docs/insp_layout.md):
                  a list that starts with the output channels; call i takes grad(list[i] / 189, x,
                  grad_outputs=ones, create_graph=True) and appends the x and y components. For
                  order n the loop runs C * (d^n - 1) / (d - 1) calls (3, 9, 21, 45 for C = 3,
                  d = 2), the breadth-first calls after which every ordered partial of order <= n
                  exists. The parameters require grad, as in INSP-Net's nn.Linear layers.
  unique-parents  nested grads over unique partials only: per channel and per order k, a minimal
                  set of order k-1 parents whose gradients cover every order-k multi-index (greedy
                  set cover), one grad call each; the last order without create_graph.
  unique-lanes    the same unique partials, but every channel and every parent chain becomes its
                  own block of points ("lane") in one replicated batch, so that each order is ONE
                  grad call over a bigger batch: fewer, larger matrix products, less Python.
  unique-best     calibrates unique-parents and unique-lanes, each at 1 and at all threads, on the
                  workload and keeps the fastest.
All methods sum over points (grad_outputs = ones): points are independent, so that gives each
point's own partials.

Three ways to run it (always with Debian's interpreter, /usr/bin/python3, which has torch 1.13):
  torch_baseline.py --model SPEC --points P --order N --method insp --threads T --repeats R
      one JSON line, the same fields as build/release/inrarch_bench where they apply.
  torch_baseline.py --worker ...        a long-lived timing process driven by bench/run.py.
  torch_baseline.py --self-check        (a) INSP loop vs (b) unique partials; exit 1 on mismatch.
  torch_baseline.py --check-export build/release/inrarch --weights siren.onnx
                                        exported weights vs `inrarch eval` (used by bench/run.py).
"""
import argparse
import ctypes
import json
import math
import os
import re
import resource
import signal
import statistics
import sys
import time

import numpy as np
import torch

INSP_DIVISOR = 63.0 * 3.0  # export_colorray.py: new_grad_lastdim(y, x, 63 * 3)
DEFAULT_SPEC = "siren:in=2,out=3,width=256,hidden=3,omega=30,seed=0"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---------------------------------------------------------------------------------------------
# The model


def parse_siren_spec(text):
    """Same keys and defaults as src/models/siren.h; raises ValueError naming the bad part."""
    if not text.startswith("siren:"):
        raise ValueError(f"model spec {text!r}: expected siren:key=value,...")
    spec = {"in": 2, "out": 3, "width": 256, "hidden": 3, "omega": 30.0, "seed": 0}
    body = text[len("siren:"):]
    for item in filter(None, body.split(",")):
        key, _, value = item.partition("=")
        if key not in spec or not value:
            raise ValueError(f"siren spec: bad item {item!r}")
        spec[key] = float(value) if key == "omega" else int(value)
    return spec


def layer_shapes(spec):
    sizes = [spec["in"]] + [spec["width"]] * (spec["hidden"] + 1) + [spec["out"]]
    return list(zip(sizes[:-1], sizes[1:]))


def random_siren_weights(spec, generator):
    """SIREN initialisation (first layer U(-1/in, 1/in), later U(-sqrt(6/in)/omega, ...), biases
    U(-1/sqrt(in), ...)). Used when no exported weights are available: timing does not depend
    on the values."""
    weights = []
    for k, (fan_in, fan_out) in enumerate(layer_shapes(spec)):
        bound = 1.0 / fan_in if k == 0 else math.sqrt(6.0 / fan_in) / spec["omega"]
        bias_bound = 1.0 / math.sqrt(fan_in)
        weight = (torch.rand(fan_out, fan_in, generator=generator, dtype=torch.float64) * 2 - 1) * bound
        bias = (torch.rand(fan_out, generator=generator, dtype=torch.float64) * 2 - 1) * bias_bound
        weights.append((weight.numpy(), bias.numpy()))
    return weights


def load_onnx_weights(path, spec):
    """Weights from an ONNX file written by `inrarch export` (src/models/onnx_export.h): named
    constants are initializers under their IR names, net.<k>.weight [out, in] and net.<k>.bias
    [out]. Raises ValueError if they are missing or do not have the spec's shapes."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(path)
    tensors = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    weights = []
    for k, (fan_in, fan_out) in enumerate(layer_shapes(spec)):
        weight, bias = tensors.get(f"net.{k}.weight"), tensors.get(f"net.{k}.bias")
        if weight is None or bias is None:
            raise ValueError(f"{path}: no initializers net.{k}.weight / net.{k}.bias")
        if weight.shape != (fan_out, fan_in) or bias.shape != (fan_out,):
            raise ValueError(f"{path}: net.{k} has shapes {weight.shape}, {bias.shape}; "
                             f"the spec wants ({fan_out}, {fan_in}), ({fan_out},)")
        weights.append((weight.astype(np.float64), bias.astype(np.float64)))
    return weights


class Siren(torch.nn.Module):
    """INSP-Net's FCBlock form: Linear then sin(omega * .) after every layer but the last."""

    def __init__(self, weights, omega, dtype):
        super().__init__()
        self.omega = omega
        self.layers = torch.nn.ModuleList()
        for weight, bias in weights:
            layer = torch.nn.Linear(weight.shape[1], weight.shape[0], dtype=dtype)
            with torch.no_grad():
                layer.weight.copy_(torch.from_numpy(weight))
                layer.bias.copy_(torch.from_numpy(bias))
            self.layers.append(layer)

    def forward(self, x):
        for k, layer in enumerate(self.layers):
            x = layer(x)
            if k + 1 < len(self.layers):
                x = torch.sin(self.omega * x)
        return x


# ---------------------------------------------------------------------------------------------
# Multi-indices: graded lexicographic, as in src/autodiff/multi_index.h and docs/formats.md


def multi_indices(dims, order):
    """All alpha with |alpha| <= order; within a degree a larger exponent on an earlier coordinate
    comes first: (0,0),(1,0),(0,1),(2,0),(1,1),(0,2),..."""
    def of_degree(d, k):
        if d == 1:
            return [(k,)]
        return [(a,) + rest for a in range(k, -1, -1) for rest in of_degree(d - 1, k - a)]
    return [alpha for k in range(order + 1) for alpha in of_degree(dims, k)]


def plus_unit(alpha, j):
    return tuple(a + (i == j) for i, a in enumerate(alpha))


def children(alpha):
    return [plus_unit(alpha, j) for j in range(len(alpha))]


def covering_parents(dims, k):
    """A small set of order k-1 multi-indices whose children cover all of order k (greedy set
    cover, ties in graded-lex order). For d = 2 that is ceil((k + 1) / 2) parents."""
    targets = {a for a in multi_indices(dims, k) if sum(a) == k}
    candidates = [a for a in multi_indices(dims, k - 1) if sum(a) == k - 1]
    chosen = []
    while targets:
        best = max(candidates, key=lambda p: len(targets & set(children(p))))
        chosen.append(best)
        targets -= set(children(best))
    return chosen


def lane_paths(dims, order):
    """Parent chains for unique-lanes: each lane is a sequence of directions (length order - 1);
    at level k the lane holds the partial along its first k - 1 directions, and the gradient of
    that gives the children. Starts with the sorted path of every order-(n-1) multi-index (whose
    prefixes reach every lower multi-index) and drops lanes that are not needed."""
    if order <= 1:
        return [()]

    def sorted_path(alpha):
        return tuple(j for j, a in enumerate(alpha) for _ in range(a))

    def covers(paths):
        for k in range(1, order + 1):
            needed = {a for a in multi_indices(dims, k) if sum(a) == k}
            for path in paths:
                parent = tuple(path[:k - 1].count(j) for j in range(dims))
                needed -= set(children(parent))
            if needed:
                return False
        return True

    paths = [sorted_path(a) for a in multi_indices(dims, order - 1) if sum(a) == order - 1]
    for path in list(paths):
        rest = [p for p in paths if p != path]
        if covers(rest):
            paths = rest
    return paths


# ---------------------------------------------------------------------------------------------
# (a) INSP-Net's export loop


def insp_calls_for_order(channels, dims, order):
    """Breadth-first calls after which every ordered partial of order <= n exists: one per list
    entry of order < n, C * (1 + d + ... + d^(n-1))."""
    return channels * sum(dims ** k for k in range(order))


def insp_features(model, x, calls):
    """The loop as INSP-Net writes it: [N, C + d * calls], feature i of order k scaled 189^-k."""
    y = model(x)
    features = [y[..., c] for c in range(y.shape[-1])]
    for i in range(calls):
        value = features[i]
        gradient = torch.autograd.grad(value / INSP_DIVISOR, x, torch.ones_like(value), create_graph=True)[0]
        features.extend(gradient[..., j] for j in range(x.shape[-1]))
    return torch.stack(features, dim=-1)


def insp_feature_paths(channels, dims, calls):
    """(channel, ordered directions) of each INSP feature: feature C + d*i + j is the j-th
    component of the gradient of feature i."""
    paths = [(c, ()) for c in range(channels)]
    for i in range(calls):
        channel, path = paths[i]
        paths.extend((channel, path + (j,)) for j in range(dims))
    return paths


# ---------------------------------------------------------------------------------------------
# (b) nested grads over unique partials


def unique_parents(model, x, order):
    """[N, C, M] true partials in graded-lex order; one grad call per covering parent."""
    y = model(x)
    dims, count = x.shape[-1], y.shape[-1]
    zero = (0,) * dims
    partials = [{zero: y[:, c]} for c in range(count)]
    for k in range(1, order + 1):
        last = k == order
        for c in range(count):
            for parent in covering_parents(dims, k):
                value = partials[c][parent]
                gradient = torch.autograd.grad(value, x, torch.ones_like(value), retain_graph=True,
                                               create_graph=not last)[0]
                for j in range(dims):
                    partials[c].setdefault(plus_unit(parent, j), gradient[:, j])
    indices = multi_indices(dims, order)
    return torch.stack([torch.stack([p[a] for a in indices], dim=-1) for p in partials], dim=1)


def unique_lanes(model, x, order):
    """[N, C, M] true partials; the points are replicated into one block per (channel, lane), and
    each block selects its own channel and its own direction at every level, so the sum over all
    points of the selected values has, in each block, that block's partial as gradient."""
    points, dims = x.shape
    paths = lane_paths(dims, order)
    count = model.layers[-1].out_features
    lanes = [(c, path) for c in range(count) for path in paths]
    x_lanes = x.detach().repeat(len(lanes), 1).requires_grad_(True)
    blocks = model(x_lanes).view(len(lanes), points, count)
    channel_of_lane = torch.tensor([c for c, _ in lanes]).view(-1, 1, 1).expand(-1, points, 1)
    value = blocks.gather(2, channel_of_lane).squeeze(2)
    zero = (0,) * dims
    partials = [{zero: value[lanes.index((c, paths[0]))].detach()} for c in range(count)]
    for k in range(1, order + 1):
        last = k == order
        gradient = torch.autograd.grad(value, x_lanes, torch.ones_like(value), create_graph=not last)[0]
        gradient = gradient.view(len(lanes), points, dims)
        for lane, (c, path) in enumerate(lanes):
            parent = tuple(path[:k - 1].count(j) for j in range(dims))
            for j in range(dims):
                partials[c].setdefault(plus_unit(parent, j), gradient[lane, :, j])
        if not last:
            direction = torch.tensor([path[k - 1] for _, path in lanes]).view(-1, 1, 1).expand(-1, points, 1)
            value = gradient.gather(2, direction).squeeze(2)
    indices = multi_indices(dims, order)
    return torch.stack([torch.stack([p[a] for a in indices], dim=-1) for p in partials], dim=1)


UNIQUE_STRATEGIES = {"unique-parents": unique_parents, "unique-lanes": unique_lanes}


# ---------------------------------------------------------------------------------------------
# Self-check: (a) and (b) compute the same derivatives


def compare_insp_with_unique(model, x, order, unique, tolerance):
    """Max over INSP features of |189^k * feature - unique partial| / (max |partial| of that
    multi-index), and the INSP features the comparison saw."""
    channels, dims = model(x).shape[-1], x.shape[-1]
    calls = insp_calls_for_order(channels, dims, order)
    features = insp_features(model, x, calls).detach()
    partials = unique(model, x, order).detach()
    index_of = {alpha: m for m, alpha in enumerate(multi_indices(dims, order))}
    worst = 0.0
    for f, (channel, path) in enumerate(insp_feature_paths(channels, dims, calls)):
        alpha = tuple(path.count(j) for j in range(dims))
        expected = partials[:, channel, index_of[alpha]]
        scale = max(float(expected.abs().max()), tolerance)
        worst = max(worst, float((features[:, f] * INSP_DIVISOR ** len(path) - expected).abs().max()) / scale)
    return worst, features.shape[1]


def check_against_stored_insp_reference():
    """tests/data/insp_reference holds a small SIREN, coordinates and INSP-Net's 65 features from
    tests/data/make_insp_reference.py; this loop must reproduce them with the default 31 calls."""
    folder = os.path.join(REPO, "tests", "data", "insp_reference")
    if not os.path.isdir(folder):
        return None
    count = len([n for n in os.listdir(folder) if re.fullmatch(r"net\.\d+\.weight\.npy", n)])
    weights = [(np.load(os.path.join(folder, f"net.{k}.weight.npy")), np.load(os.path.join(folder, f"net.{k}.bias.npy")))
               for k in range(count)]
    model = Siren(weights, 30.0, torch.float64)
    x = torch.from_numpy(np.load(os.path.join(folder, "coords.npy"))).requires_grad_(True)
    expected = torch.from_numpy(np.load(os.path.join(folder, "features.npy")))
    features = insp_features(model, x, 31).detach()
    scale = expected.abs().amax(dim=0).clamp_min(1e-300)
    return float(((features - expected).abs() / scale).max())


def self_check(points, orders):
    """Float64, so that a mismatch means a different derivative, not rounding. Returns True when
    every comparison is within tolerance."""
    tolerance = 1e-9
    spec = parse_siren_spec(DEFAULT_SPEC)
    model = Siren(random_siren_weights(spec, torch.Generator().manual_seed(7)), spec["omega"], torch.float64)
    x = (torch.rand(points, spec["in"], generator=torch.Generator().manual_seed(8), dtype=torch.float64) * 2 - 1)
    x.requires_grad_(True)
    ok = True
    for order in orders:
        calls = insp_calls_for_order(spec["out"], spec["in"], order)
        for name, unique in UNIQUE_STRATEGIES.items():
            worst, features = compare_insp_with_unique(model, x, order, unique, tolerance)
            good = worst <= tolerance and features == spec["out"] + spec["in"] * calls
            ok &= good
            print(f"self-check order {order}: INSP loop ({calls} calls, {features} features) vs {name}: "
                  f"max relative difference {worst:.2e} -> {'ok' if good else 'MISMATCH'}")
    stored = check_against_stored_insp_reference()
    if stored is None:
        print("self-check: tests/data/insp_reference not found, stored INSP reference not compared")
    else:
        good = stored <= tolerance
        ok &= good
        print(f"self-check: INSP loop, 31 calls, vs tests/data/insp_reference/features.npy: "
              f"max relative difference {stored:.2e} -> {'ok' if good else 'MISMATCH'}")
    return ok


# ---------------------------------------------------------------------------------------------
# Timing


class CallTooSlow(Exception):
    pass


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


class Workload:
    """One timed call = forward + every grad call + assembling the result, from leaf coordinates."""

    def __init__(self, spec, weights, points, order, threads):
        torch.set_num_threads(threads)
        self.order = order
        self.model = Siren(weights, spec["omega"], torch.float32)
        generator = torch.Generator().manual_seed(1)
        self.x = (torch.rand(points, spec["in"], generator=generator) * 2 - 1).requires_grad_(True)
        self.insp_calls = insp_calls_for_order(spec["out"], spec["in"], order)

    def function(self, method):
        if method == "insp":
            return lambda: insp_features(self.model, self.x, self.insp_calls)
        unique = UNIQUE_STRATEGIES[method]
        # Plain PyTorch at its best needs no parameter gradients.
        frozen = Siren([(l.weight.detach().double().numpy(), l.bias.detach().double().numpy()) for l in self.model.layers],
                       self.model.omega, torch.float32).requires_grad_(False)
        return lambda: unique(frozen, self.x, self.order)

    @staticmethod
    def time_call(function):
        start = time.perf_counter()
        result = function()
        elapsed = (time.perf_counter() - start) * 1e3
        del result
        return elapsed

    def probe(self, function, limit_s):
        """One call under an alarm; raises CallTooSlow past limit_s. (The alarm fires between
        PyTorch calls; bench/run.py kills a worker that stays silent longer.)"""
        def on_alarm(signum, frame):
            raise CallTooSlow()
        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(max(1, int(math.ceil(limit_s))))
        try:
            elapsed = self.time_call(function)
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        if elapsed > limit_s * 1e3:
            raise CallTooSlow()
        return elapsed


def limit_memory(gigabytes):
    """Address-space cap, so that a workload too big for this shared machine fails here with an
    allocation error instead of pushing other processes out."""
    if gigabytes > 0:
        cap = int(gigabytes * 2 ** 30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def is_out_of_memory(error):
    return isinstance(error, MemoryError) or "can't allocate memory" in str(error)


def return_free_memory():
    """Hands freed heap pages back to the OS, so that an idle worker does not sit on gigabytes
    while the other methods of the same workload run."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass


def blas_library():
    """The BLAS this process really loaded: Debian's torch calls whatever libblas.so.3 resolves
    to, and the netlib reference BLAS is an order of magnitude slower than OpenBLAS."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.rsplit("/", 1)[-1]}
    return sorted(paths)


def sgemm_gflops(rows, width, budget_s=1.0):
    """torch.mm [rows, width] x [width, width] in this process: the matrix-product speed the
    PyTorch numbers stand on."""
    a, b = torch.rand(rows, width), torch.rand(width, width)
    torch.mm(a, b)
    count, start = 0, time.perf_counter()
    while count < 2 or time.perf_counter() - start < budget_s:
        torch.mm(a, b)
        count += 1
    return 2.0 * rows * width * width * count / (time.perf_counter() - start) / 1e9


def prepare(args):
    """The workload and the chosen method's function; a reply dict describing the setup, with
    "skipped" set when the method cannot be timed here."""
    spec = parse_siren_spec(args.model)
    if args.weights:
        weights = load_onnx_weights(args.weights, spec)
        source = f"inrarch export ({os.path.basename(args.weights)})"
    else:
        weights = random_siren_weights(spec, torch.Generator().manual_seed(spec["seed"]))
        source = "random SIREN init in torch (same architecture)"
    workload = Workload(spec, weights, args.points, args.order, args.threads)
    reply = {"method": args.method, "weights": source,
             "torch": torch.__version__, "blas": blas_library(), "insp_calls": workload.insp_calls,
             "sgemm_gflops": round(sgemm_gflops(args.points, spec["width"]), 2),
             "rss_after_setup_mb": round(peak_rss_mb(), 1)}
    # unique-best is the best plain PyTorch can do here: every strategy at 1 and at all threads.
    if args.method == "unique-best":
        candidates = [(name, t) for name in UNIQUE_STRATEGIES for t in sorted({1, args.threads})]
    else:
        candidates = [(args.method, args.threads)]
    best = None
    for name, threads in candidates:
        torch.set_num_threads(threads)
        function = workload.function(name)
        label = f"{name}, {threads} thread{'s' * (threads > 1)}"
        try:
            first = workload.probe(function, args.probe_limit_s)
            # The first call also sets up allocator pools; the second is the calibration sample.
            second = workload.time_call(function) if first < 1e3 else first
        except CallTooSlow:
            reply.setdefault("notes", []).append(f"{label}: skipped (> {args.probe_limit_s:g} s per call)")
            continue
        except (MemoryError, RuntimeError) as error:
            if not is_out_of_memory(error):
                raise
            reply.setdefault("notes", []).append(f"{label}: skipped (over the {args.mem_limit_gb:g} GB memory cap)")
            continue
        reply.setdefault("calibration_ms", {})[label] = round(min(first, second), 3)
        if best is None or min(first, second) < best[1]:
            best = (name, min(first, second), function, first, threads)
    return_free_memory()
    if best is None:
        reply["skipped"] = "; ".join(reply["notes"])
        return reply, None
    torch.set_num_threads(best[4])
    reply.update(strategy=best[0], threads=best[4], probe_ms=round(best[3], 3))
    return reply, best[2]


def timed_batch(function, count, warm_up):
    """`count` timed calls, after one untimed call when `warm_up` (the heap was trimmed since the
    last batch, and refaulting it is not what the method costs)."""
    if warm_up:
        Workload.time_call(function)
    times = [Workload.time_call(function) for _ in range(count)]
    return_free_memory()
    return times


def run_worker(args):
    """Line protocol with bench/run.py: first reply = setup (or skipped); then `run K W` -> K call
    times (W = 1: one untimed warm-up call first); `quit` -> final peak RSS. One JSON line each."""
    def reply(payload):
        print(json.dumps(payload), flush=True)

    try:
        setup, function = prepare(args)
    except (MemoryError, RuntimeError) as error:
        if not is_out_of_memory(error):
            raise
        setup, function = {"skipped": f"over the {args.mem_limit_gb:g} GB memory cap"}, None
    reply(setup)
    for line in sys.stdin:
        command = line.split()
        if command[:1] == ["quit"]:
            reply({"peak_rss_mb": round(peak_rss_mb(), 1)})
            return
        if command[:1] == ["run"] and len(command) == 3 and function is not None:
            try:
                times = timed_batch(function, int(command[1]), command[2] == "1")
                reply({"times_ms": times, "peak_rss_mb": round(peak_rss_mb(), 1)})
            except (MemoryError, RuntimeError) as error:
                if not is_out_of_memory(error):
                    raise
                function = None
                reply({"error": f"over the {args.mem_limit_gb:g} GB memory cap"})
        else:
            reply({"error": f"unknown or impossible command {line.strip()!r}"})


def run_once(args):
    """The inrarch_bench contract's fields that PyTorch can fill: one JSON line."""
    setup, function = prepare(args)
    if function is not None:
        times = timed_batch(function, args.repeats, warm_up=True)
        setup.update({"median_ms": statistics.median(times), "min_ms": min(times)})
    setup["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(setup))


def check_export(inrarch, weights_path, model_spec):
    """One JSON line: the relative difference between `inrarch eval` of the spec and this file's
    SIREN with the exported weights, at 16 points (error null, with why, if eval fails)."""
    import subprocess
    import tempfile

    spec = parse_siren_spec(model_spec)
    model = Siren(load_onnx_weights(weights_path, spec), spec["omega"], torch.float64)
    points = np.random.RandomState(3).uniform(-1, 1, size=(16, spec["in"]))
    with tempfile.TemporaryDirectory() as folder:
        points_path, values_path = os.path.join(folder, "points.npy"), os.path.join(folder, "values.npy")
        np.save(points_path, points)
        done = subprocess.run([inrarch, "eval", model_spec, "--points", points_path, "-o", values_path],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            print(json.dumps({"error": None, "why": "`inrarch eval` failed: " + done.stderr.strip()[-200:]}))
            return
        ours = np.load(values_path).astype(np.float64)
    theirs = model(torch.from_numpy(points)).detach().numpy()
    print(json.dumps({"error": float(np.abs(ours - theirs).max() / max(np.abs(ours).max(), 1e-30))}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=DEFAULT_SPEC)
    parser.add_argument("--weights", help="ONNX file written by `inrarch export` (default: random SIREN init)")
    parser.add_argument("--points", type=int, default=4096)
    parser.add_argument("--order", type=int, default=1)
    parser.add_argument("--method", default="insp", choices=["insp", "unique-best"] + list(UNIQUE_STRATEGIES))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--probe-limit-s", type=float, default=60.0)
    parser.add_argument("--mem-limit-gb", type=float, default=0.0, help="address-space cap; 0 = none")
    parser.add_argument("--worker", action="store_true", help="driven by bench/run.py over stdin/stdout")
    parser.add_argument("--self-check", action="store_true")
    parser.add_argument("--self-check-orders", default="1,2,3")
    parser.add_argument("--check-export", metavar="INRARCH", help="compare --weights with `INRARCH eval`")
    args = parser.parse_args()
    if args.check_export:
        check_export(args.check_export, args.weights, args.model)
        return
    if args.self_check:
        orders = [int(o) for o in args.self_check_orders.split(",")]
        sys.exit(0 if self_check(64, orders) else 1)
    limit_memory(args.mem_limit_gb)
    (run_worker if args.worker else run_once)(args)


if __name__ == "__main__":
    main()
