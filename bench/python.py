#!/usr/bin/python3
"""The Python package against the C++ benchmark binary and PyTorch, in one process.

Why this file exists: `import inrarch` must give Python users the engine's speed. This measures
(a) the package's overhead over the C++ benchmark binary (build/release/bench/inrarch_bench) on the
same workload: the binding, the chunked read of the points and the single write of the results;
and (b) ours through the package against PyTorch autograd in the same process: INSP-Net's loop and
the best plain PyTorch (bench/torch_baseline.py's methods, not copied).

    cmake --preset release && cmake --build --preset release --target inrarch_python inrarch_python_files inrarch_bench
    PYTHONPATH=build/release/python /usr/bin/python3 bench/python.py [--points 64,4096] [--orders 1,2]
                                                                     [--threads 1] [--rounds 3] [--repeats 20]

Workloads as `bench/run.py --quick`: the SIREN 2 -> 256x4 -> 3 (omega 30), 64 and 4096 points,
orders 1 and 2, float32. Rounds alternate the binary and the package so that both see the same
machine load; each figure is the median over rounds of per-round medians.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "bench"))
import torch_baseline  # noqa: E402  (the PyTorch methods of bench/run.py)

import inrarch  # noqa: E402

SPEC = torch_baseline.DEFAULT_SPEC


def median_ms(call, repeats):
    call()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def binary_ms(binary, points, order, threads, repeats):
    output = subprocess.run([binary, "--model", SPEC, "--points", str(points), "--order", str(order),
                             "--method", "taylor", "--threads", str(threads), "--repeats", str(repeats)],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])["median_ms"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", default="64,4096")
    parser.add_argument("--orders", default="1,2")
    parser.add_argument("--threads", type=int, default=1, help="engine and PyTorch threads")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=20, help="timed calls per round (PyTorch: a quarter)")
    parser.add_argument("--bench-binary", default=os.path.join(REPO, "build", "release", "bench", "inrarch_bench"))
    parser.add_argument("--out", default=os.path.join(REPO, "bench_out", "python.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    model = inrarch.load(SPEC)
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "siren.onnx")
        model.export(path)
        spec = torch_baseline.parse_siren_spec(SPEC)
        siren = torch_baseline.Siren(torch_baseline.load_onnx_weights(path, spec), spec["omega"], torch.float32)

    rows = []
    for points in [int(p) for p in args.points.split(",")]:
        x = np.random.default_rng(7).uniform(-1, 1, size=(points, 2)).astype(np.float32)
        xt = torch.from_numpy(x).requires_grad_(True)
        for order in [int(n) for n in args.orders.split(",")]:
            ours, cpp, insp, unique = [], [], [], []
            calls = torch_baseline.insp_calls_for_order(3, 2, order)
            torch_repeats = max(3, args.repeats // 4)
            for _ in range(args.rounds):
                cpp.append(binary_ms(args.bench_binary, points, order, args.threads, args.repeats))
                ours.append(median_ms(lambda: model.derivatives(x, order, threads=args.threads), args.repeats))
                insp.append(median_ms(lambda: torch_baseline.insp_features(siren, xt, calls), torch_repeats))
                unique.append(min(median_ms(lambda: f(siren, xt, order), torch_repeats)
                                  for f in torch_baseline.UNIQUE_STRATEGIES.values()))
            row = {"points": points, "order": order, "threads": args.threads,
                   "package_ms": statistics.median(ours), "binary_ms": statistics.median(cpp),
                   "insp_ms": statistics.median(insp), "unique_best_ms": statistics.median(unique),
                   "load": os.getloadavg()[0]}
            row["overhead_us"] = (row["package_ms"] - row["binary_ms"]) * 1e3
            row["overhead_pct"] = 100 * (row["package_ms"] / row["binary_ms"] - 1)
            rows.append(row)
            print(f"{points:>6} pts order {order}: package {row['package_ms']:.3f} ms, binary {row['binary_ms']:.3f} ms "
                  f"(overhead {row['overhead_us']:+.1f} us, {row['overhead_pct']:+.1f}%), "
                  f"PyTorch INSP loop {row['insp_ms']:.2f} ms ({row['insp_ms'] / row['package_ms']:.1f}x), "
                  f"best PyTorch {row['unique_best_ms']:.2f} ms ({row['unique_best_ms'] / row['package_ms']:.1f}x); "
                  f"load {row['load']:.1f}", flush=True)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as file:
        json.dump({"spec": SPEC, "rows": rows}, file, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
