#!/usr/bin/python3
"""inrarch's CPU benchmark: the fast engine (build/release/bench/inrarch_bench) against PyTorch, run the
way INSP-Net computes derivatives and the best way plain PyTorch can, on the SIREN 2 -> 256x4 -> 3
at 64, 4096 and 65536 points, derivative orders 1 to 4.

Why one script: the speed-ups inrarch claims are only worth something if both sides run in the
same session, alternating, with the load and the BLAS written next to the numbers. This script
does that, prints the table and the target checks, and writes bench_out/results.json and
bench_out/bench.png. See bench/README.md for the contract with inrarch_bench and every rule.

  /usr/bin/python3 bench/run.py              # full set
  /usr/bin/python3 bench/run.py --quick      # smoke run: fewer samples, no 65536 points
  /usr/bin/python3 bench/run.py --self-check # INSP loop vs unique partials in PyTorch; exit 1 on mismatch
"""
import argparse
import json
import os
import select
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASELINE = os.path.join(REPO, "bench", "torch_baseline.py")
SPEC = "siren:in=2,out=3,width=256,hidden=3,omega=30,seed=0"
OPENBLAS_DIRS = ["/usr/lib/x86_64-linux-gnu/openblas-openmp", "/usr/lib/x86_64-linux-gnu/openblas-pthread"]
BENCH_FIELDS = ["median_ms", "min_ms", "gflops", "peak_rss_mb", "sgemm_gflops", "working_set_mb", "plan_memory_ratio",
                "rss_growth_ratio"]

# INR-Arch (ICCAD 2023), published results on the paper workload (this SIREN, 64 points):
# Alveo U50 at 300 MHz, their CPU and GPU PyTorch baselines. Recorded in the design notes.
INR_ARCH = {1: {"fpga_ms": 1.8284, "cpu_pytorch_ms": 3.3371, "gpu_pytorch_ms": 2.8040, "speedup_vs_cpu": 1.83},
            2: {"fpga_ms": 2.5448, "cpu_pytorch_ms": 12.1731, "gpu_pytorch_ms": 9.2184, "speedup_vs_cpu": 4.78}}

# (points, order, minimum of PyTorch-INSP time / ours), and (points, order, minimum share of the
# same run's sgemm GFLOPS).
RATIO_TARGETS = [(4096, 1, 5.0), (4096, 2, 15.0), (4096, 3, 80.0), (4096, 4, 300.0), (64, 1, 5.5), (64, 2, 14.0)]
SGEMM_TARGETS = [(65536, 4, 0.60)]
# The engine's memory (its arenas and constants) against the least any plan needs (every worker's
# largest live set and the constants), at most this, on every workload.
MEMORY_TARGET = 2.0


class Method:
    """One column of the table: a name, how it is run, and its samples for one workload."""

    def __init__(self, name, label, threads):
        self.name, self.label, self.threads = name, label, threads
        self.times_ms = []        # one entry per timed call (torch) or per invocation (ours)
        self.runs = []            # ours: every JSON line inrarch_bench printed
        self.setup = {}
        self.skipped = None
        self.peak_rss_mb = None
        self.wanted = 0           # timed calls to make
        self.calls = 0            # timed calls made (ours: its repeats, summed over invocations)
        self.probe_ms = 0.0       # the first call
        self.slow = False         # torch: a call too slow for an untimed warm-up call per round

    def median(self):
        return statistics.median(self.times_ms) if self.times_ms else None

    def summary(self):
        result = {"label": self.label, "threads": self.threads, "samples": self.calls,
                  "median_ms": self.median(), "min_ms": min(self.times_ms) if self.times_ms else None,
                  "times_ms": self.times_ms, "peak_rss_mb": self.peak_rss_mb, "skipped": self.skipped}
        if self.setup:
            result["setup"] = self.setup
        if self.runs:
            result["runs"] = self.runs
            for field in ["gflops", "sgemm_gflops", "working_set_mb", "plan_memory_ratio", "rss_growth_ratio"]:
                result[field] = statistics.median(run[field] for run in self.runs)
            result["sgemm_share"] = statistics.median(run["gflops"] / run["sgemm_gflops"] for run in self.runs)
        return result


# ---------------------------------------------------------------------------------------------
# Ours: build/release/bench/inrarch_bench, one invocation per round


class Ours:
    def __init__(self, binary):
        self.binary = binary
        self.available = os.path.isfile(binary) and os.access(binary, os.X_OK)

    def invoke(self, points, order, threads, repeats, timeout_s):
        """The binary's JSON line, or a string saying why there is none."""
        command = [self.binary, "--model", SPEC, "--points", str(points), "--order", str(order),
                   "--method", "taylor", "--threads", str(threads), "--repeats", str(repeats)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return f"no answer within {timeout_s:.0f} s"
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        if done.returncode != 0 or not lines:
            reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return f"exit {done.returncode}: {reason}"
        try:
            result = json.loads(lines[-1])
        except json.JSONDecodeError:
            return f"not one JSON line: {lines[-1][:120]!r}"
        missing = [field for field in BENCH_FIELDS if not isinstance(result.get(field), (int, float))]
        return f"JSON line lacks {', '.join(missing)}" if missing else result


# ---------------------------------------------------------------------------------------------
# PyTorch: one long-lived worker process (bench/torch_baseline.py --worker) per method and workload


class TorchWorker:
    def __init__(self, method, threads, points, order, args, environment, log_path):
        command = [sys.executable, BASELINE, "--worker", "--model", SPEC, "--points", str(points),
                   "--order", str(order), "--method", method, "--threads", str(threads),
                   "--probe-limit-s", str(args.probe_limit_s), "--mem-limit-gb", str(args.mem_limit_gb)]
        if args.weights_path:
            command += ["--weights", args.weights_path]
        environment = dict(environment, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                        text=True, env=environment)

    def receive(self, timeout_s):
        """The next JSON reply, or {"error": ...} if the worker died or went silent (then it is
        stopped: a call past the limit must not run on)."""
        ready, _, _ = select.select([self.process.stdout], [], [], timeout_s)
        line = self.process.stdout.readline() if ready else ""
        if line:
            return json.loads(line)
        self.stop()
        return {"error": f"no answer within {timeout_s:.0f} s" if not ready else "worker exited (see its log)"}

    def send(self, text):
        try:
            self.process.stdin.write(text + "\n")
            self.process.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def request(self, text, timeout_s):
        return self.receive(timeout_s) if self.send(text) else {"error": "worker exited (see its log)"}

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def finish(self):
        """Final peak RSS of the process, then exit."""
        reply = self.request("quit", 30) if self.process.poll() is None else {}
        self.stop()
        return reply.get("peak_rss_mb")


# ---------------------------------------------------------------------------------------------
# Setup: weights, BLAS, machine


def machine_state():
    load = os.getloadavg()
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    return {"load_1_5_15": [round(v, 2) for v in load], "cpus": len(os.sched_getaffinity(0)), "cpu": model,
            "time": time.strftime("%Y-%m-%d %H:%M:%S")}


def torch_environment(choice, wait_policy):
    """Environment of the workers. LD_LIBRARY_PATH: Debian's torch calls libblas.so.3, by default
    netlib's reference BLAS (about 2 GFLOPS), which would make PyTorch a straw man; "auto" puts
    Debian's OpenBLAS first when it is installed, without changing the system's choice.
    OMP_WAIT_POLICY: libgomp's threads spin at barriers; on a machine loaded by others that made
    PyTorch at 2 threads 10-20x slower than at 1 thread, so passive waiting is the default."""
    environment = dict(os.environ)
    if wait_policy != "default":
        environment["OMP_WAIT_POLICY"] = wait_policy.upper()
    directory = None
    if choice == "auto":
        directory = next((d for d in OPENBLAS_DIRS if os.path.exists(os.path.join(d, "libblas.so.3"))), None)
    elif choice != "system":
        directory = choice
    if directory:
        environment["LD_LIBRARY_PATH"] = directory + ":" + environment.get("LD_LIBRARY_PATH", "")
    return environment, directory or "system libblas.so.3"


def export_weights(inrarch, out_dir):
    """`inrarch export SPEC -o siren.onnx`, checked against `inrarch eval`; returns (path or None,
    a sentence saying which weights PyTorch uses and why)."""
    if not os.access(inrarch, os.X_OK):
        return None, f"random SIREN init in torch: {inrarch} not found"
    path = os.path.join(out_dir, "siren.onnx")
    done = subprocess.run([inrarch, "export", SPEC, "-o", path], capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not os.path.isfile(path):
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return None, f"random SIREN init in torch: `inrarch export` is not available ({reason})"
    # In a child process: this one stays small, because Linux keeps a process's peak RSS across
    # exec, so inrarch_bench's peak_rss_mb would include whatever this process holds.
    done = subprocess.run([sys.executable, BASELINE, "--check-export", inrarch, "--weights", path, "--model", SPEC],
                          capture_output=True, text=True, timeout=300)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return None, f"random SIREN init in torch: exported weights not usable ({reason})"
    check = json.loads(lines[-1])
    if check.get("error") is None:
        return path, f"inrarch export ({path}); not cross-checked: {check['why']}"
    if check["error"] > 1e-5:
        return None, ("random SIREN init in torch: exported weights do not reproduce `inrarch eval` "
                      f"(relative error {check['error']:.1e})")
    return path, f"inrarch export ({path}), forward matches `inrarch eval` to {check['error']:.1e}"


# ---------------------------------------------------------------------------------------------
# One workload: setup of every method, then alternating rounds


def plan_samples(method, probe_ms, args):
    """Samples for a method: rounds x repeats, fewer for slow calls so that one method spends
    about --budget-s on a workload, but never fewer than 3."""
    method.probe_ms = probe_ms
    method.slow = probe_ms > args.warm_up_below_ms
    affordable = max(3, int(args.budget_s * 1e3 / max(probe_ms, 1e-3)))
    method.wanted = min(args.rounds * args.repeats, affordable)


def run_workload(points, order, ours, args, environment, log_dir, too_big):
    """Times every method on one workload. `too_big` maps (method, points) to the order at which
    the method was skipped for time or memory; higher orders only cost more, so they are skipped
    without another try."""
    every = len(os.sched_getaffinity(0)) if args.all_threads == 0 else args.all_threads
    methods = []
    if ours.available:
        methods += [Method("ours-1t", "ours, 1 thread", 1), Method("ours-all", f"ours, {every} threads", every)]
    methods += [Method("insp-1t", "PyTorch INSP loop, 1 thread", 1),
                Method("insp-all", f"PyTorch INSP loop, {every} threads", every),
                Method("unique-best", "PyTorch unique partials, best strategy and thread count", every)]
    workers = {}
    for method in methods:
        if (method.name, points) in too_big:
            method.skipped = f"skipped (already at order {too_big[method.name, points]})"
            continue
        if method.name.startswith("ours"):
            first = ours.invoke(points, order, method.threads, 1, args.ours_timeout_s)
            if isinstance(first, str):
                method.skipped = f"inrarch_bench failed: {first}"
            elif first["median_ms"] > args.probe_limit_s * 1e3:
                method.skipped = f"skipped (> {args.probe_limit_s:g} s per call)"
                too_big[method.name, points] = order
            else:
                plan_samples(method, first["median_ms"], args)
            continue
        kind = "insp" if method.name.startswith("insp") else "unique-best"
        worker = TorchWorker(kind, method.threads, points, order, args, environment,
                             os.path.join(log_dir, f"{points}pts-order{order}-{method.name}.log"))
        candidates = 4 if kind == "unique-best" else 1  # 2 strategies x {1, all} threads
        setup = worker.receive(60 + candidates * (2 * args.probe_limit_s + 30))
        method.setup = setup
        if "error" in setup or "skipped" in setup:
            method.skipped = setup.get("skipped") or f"skipped ({setup['error']}; > {args.probe_limit_s:g} s per call or died)"
            too_big[method.name, points] = order
            method.peak_rss_mb = worker.finish()
            continue
        if kind == "unique-best":
            method.label += f" [{setup['strategy']}, {setup['threads']} threads]"
            method.threads = setup["threads"]
        workers[method.name] = worker
        plan_samples(method, setup["probe_ms"], args)

    round_index = 0
    while True:
        active = [m for m in methods if not m.skipped and m.calls < m.wanted]
        if not active:
            break
        # Rotate who goes first, so that drift in the machine's load lands on every method.
        shift = round_index % len(active)
        round_index += 1
        for method in active[shift:] + active[:shift]:
            count = min(args.repeats, method.wanted - method.calls)
            # Generous: a call of a loaded machine may take a few times its first call.
            limit_s = 60 + 3 * max(method.median() or 0.0, method.probe_ms) * (count + 1) / 1e3
            if method.name.startswith("ours"):
                result = ours.invoke(points, order, method.threads, count, limit_s)
                if isinstance(result, str):
                    method.skipped = f"inrarch_bench failed: {result}"
                    continue
                method.runs.append(result)
                method.calls += count
                method.times_ms.append(result["median_ms"])
                method.peak_rss_mb = max(method.peak_rss_mb or 0.0, result["peak_rss_mb"])
            else:
                reply = workers[method.name].request(f"run {count} {0 if method.slow else 1}", limit_s)
                if "error" in reply:
                    method.skipped = f"failed during timing: {reply['error']}"
                    continue
                method.times_ms.extend(reply["times_ms"])
                method.calls += count
    for method in methods:
        if method.name in workers:
            method.peak_rss_mb = workers[method.name].finish()
    return methods


# ---------------------------------------------------------------------------------------------
# Report


def ratio(slow, fast):
    return slow / fast if slow and fast else None


def workload_record(points, order, methods):
    by_name = {m.name: m.summary() for m in methods}
    median = {name: summary["median_ms"] for name, summary in by_name.items()}
    return {"points": points, "order": order, "methods": by_name,
            "ratio_insp_1t": ratio(median.get("insp-1t"), median.get("ours-1t")),
            "ratio_insp_all": ratio(median.get("insp-all"), median.get("ours-all")),
            "ratio_unique_best": ratio(median.get("unique-best"),
                                       min(filter(None, [median.get("ours-1t"), median.get("ours-all")]), default=None))}


def check_targets(records, ours_available):
    """One line per target and thread setting: PASS, MISS, or N/A with the reason."""
    found = {(r["points"], r["order"]): r for r in records}
    checks = []
    for points, order, minimum in RATIO_TARGETS:
        for threads, key, pair in [("1 thread", "ratio_insp_1t", ("ours-1t", "insp-1t")),
                                   ("all threads", "ratio_insp_all", ("ours-all", "insp-all"))]:
            text = f"{points} pts order {order}: PyTorch-INSP / ours >= {minimum:g}x ({threads})"
            record = found.get((points, order))
            value = record and record[key]
            if value:
                checks.append({"target": text, "value": value, "verdict": "PASS" if value >= minimum else "MISS"})
            else:
                checks.append({"target": text, "value": None, "verdict": "N/A",
                               "why": why_missing(record, pair, ours_available)})
    for points, order, share in SGEMM_TARGETS:
        for threads, name in [("1 thread", "ours-1t"), ("all threads", "ours-all")]:
            text = f"{points} pts order {order}: ours >= {share:.0%} of same-run sgemm GFLOPS ({threads})"
            record = found.get((points, order))
            value = record and record["methods"].get(name, {}).get("sgemm_share")
            if value:
                checks.append({"target": text, "value": value, "verdict": "PASS" if value >= share else "MISS"})
            else:
                checks.append({"target": text, "value": None, "verdict": "N/A",
                               "why": why_missing(record, (name,), ours_available)})
    for threads, name in [("1 thread", "ours-1t"), ("all threads", "ours-all")]:
        ratios = [(r["methods"][name]["plan_memory_ratio"], f"{r['points']}x{r['order']}") for r in records
                  if r["methods"].get(name, {}).get("plan_memory_ratio")]
        text = f"every workload: engine memory <= {MEMORY_TARGET:g}x the minimal working set ({threads})"
        if ratios:
            worst, where = max(ratios)
            checks.append({"target": text, "value": worst, "verdict": "PASS" if worst <= MEMORY_TARGET else "MISS",
                           "why": f" (worst: {where})"})
        else:
            checks.append({"target": text, "value": None, "verdict": "N/A",
                           "why": why_missing(None, (name,), ours_available)})
    return checks


def why_missing(record, names, ours_available):
    if not ours_available:
        return "build/release/bench/inrarch_bench does not exist yet"
    if record is None:
        return "workload not run (see --quick / --points / --orders)"
    reasons = [f"{name}: {record['methods'][name]['skipped']}" for name in names
               if name in record["methods"] and record["methods"][name]["skipped"]]
    return "; ".join(reasons) or "no samples"


def cell(value, digits=1):
    if value is None:
        return "-"
    if value >= 1000:
        return f"{value:.0f}"
    return f"{value:.{digits}f}" if value >= 1 else f"{value:.3g}"


def print_table(rows, header):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    for row in [header] + rows:
        print("  ".join(str(v).rjust(w) for v, w in zip(row, widths)))


def report(results):
    records, ours = results["workloads"], results["ours"]
    print()
    print(f"machine: {results['machine_before']['cpus']} CPUs ({results['machine_before']['cpu']}), "
          f"load before {results['machine_before']['load_1_5_15']}, after {results['machine_after']['load_1_5_15']}")
    print(f"ours: {ours}")
    print(f"PyTorch: torch {results['torch'].get('version')}, BLAS {results['torch'].get('blas')}, "
          f"OMP_WAIT_POLICY {results['torch']['omp_wait_policy']}; weights: {results['weights']}")
    print()
    names = ["ours-1t", "ours-all", "insp-1t", "insp-all", "unique-best"]
    rows = []
    for r in records:
        m = r["methods"]
        rows.append([f"{r['points']}x{r['order']}"] +
                    [cell(m[n]["median_ms"]) if n in m and m[n]["median_ms"] else ("skip" if n in m else "n/a") for n in names] +
                    [cell(r["ratio_insp_1t"]), cell(r["ratio_insp_all"]), cell(r["ratio_unique_best"]),
                     unique_strategy(m.get("unique-best", {}))])
    print("median ms per call (points x order); insp ratios = PyTorch / ours at the same thread count, "
          "unique/ours = best PyTorch / best ours")
    print_table(rows, ["workload", "ours 1t", "ours all", "insp 1t", "insp all", "unique best",
                       "insp/ours 1t", "insp/ours all", "unique/ours", "unique strategy"])
    print()
    rows = []
    for r in records:
        m = r["methods"]
        pick = lambda n, f: m.get(n, {}).get(f)  # noqa: E731
        rows.append([f"{r['points']}x{r['order']}",
                     cell(pick("ours-1t", "gflops")), cell(pick("ours-all", "gflops")),
                     cell(100 * pick("ours-1t", "sgemm_share")) if pick("ours-1t", "sgemm_share") else "-",
                     cell(100 * pick("ours-all", "sgemm_share")) if pick("ours-all", "sgemm_share") else "-",
                     cell(pick("insp-1t", "setup").get("sgemm_gflops") if pick("insp-1t", "setup") else None),
                     "/".join(cell(pick(n, "peak_rss_mb"), 0) if not pick(n, "skipped") else "-" for n in names if n in m),
                     "/".join(str(pick(n, "samples")) for n in names if n in m),
                     "/".join(cell(pick(n, "working_set_mb")) for n in ["ours-1t", "ours-all"] if n in m),
                     "/".join(cell(pick(n, "plan_memory_ratio"), 2) for n in ["ours-1t", "ours-all"] if n in m),
                     "/".join(cell(pick(n, "rss_growth_ratio"), 2) for n in ["ours-1t", "ours-all"] if n in m)])
    present = [n for n in names if records and n in records[0]["methods"]]
    print("achieved GFLOPS of ours and % of its same-run sgemm; torch sgemm GFLOPS (1 thread); "
          f"peak RSS MB and timed calls per method ({'/'.join(present)}); ours 1t/all: minimal working set MB, "
          "engine memory / minimal, process RSS growth from before the engine / minimal")
    print_table(rows, ["workload", "GFLOPS 1t", "GFLOPS all", "%sgemm 1t", "%sgemm all", "torch sgemm",
                       "peak RSS MB", "samples", "min set MB", "mem/min", "RSS growth/min"])
    print()
    for r in records:
        for name, m in r["methods"].items():
            if m["skipped"]:
                print(f"  {r['points']}x{r['order']} {name}: {m['skipped']}")
    print()
    print("INR-Arch published (64 points; Alveo U50 vs their CPU/GPU PyTorch) next to this run at 64 points:")
    rows = []
    found = {(r["points"], r["order"]): r for r in records}
    for order, ref in INR_ARCH.items():
        here = found.get((64, order), {"methods": {}})["methods"]
        ours_best = min(filter(None, [here.get(n, {}).get("median_ms") for n in ["ours-1t", "ours-all"]]), default=None)
        rows.append([order, ref["fpga_ms"], ref["cpu_pytorch_ms"], ref["gpu_pytorch_ms"], f"{ref['speedup_vs_cpu']}x",
                     cell(here.get("insp-1t", {}).get("median_ms"), 3), cell(ours_best, 3),
                     cell(ratio(ref["fpga_ms"], ours_best), 2)])
    print_table(rows, ["order", "FPGA ms", "CPU PyTorch ms", "GPU PyTorch ms", "FPGA speed-up",
                       "insp 1t here ms", "ours here ms", "FPGA/ours"])
    print()
    print("targets:")
    for check in results["targets"]:
        value = f"{check['value']:.3g}" if check["value"] is not None else ""
        print(f"  {check['verdict']:4}  {check['target']}: {value}{check.get('why', '')}")


def unique_strategy(summary):
    setup = summary.get("setup", {})
    return f"{setup['strategy']} {setup['threads']}t" if "strategy" in setup else "-"


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    colours = {"ours-1t": "tab:green", "ours-all": "tab:olive", "insp-1t": "tab:red", "insp-all": "tab:orange",
               "unique-best": "tab:blue"}
    styles = {64: ("o", ":"), 4096: ("s", "--"), 65536: ("^", "-")}
    figure, axes = plt.subplots(figsize=(9, 6))
    for points in sorted({r["points"] for r in results["workloads"]}):
        records = [r for r in results["workloads"] if r["points"] == points]
        for name, colour in colours.items():
            line = [(r["order"], r["methods"][name]["median_ms"]) for r in records
                    if name in r["methods"] and r["methods"][name]["median_ms"]]
            if line:
                marker, style = styles.get(points, ("x", "-"))
                axes.plot(*zip(*line), marker=marker, linestyle=style, color=colour, label=f"{name}, {points} pts")
    for key, marker, what in [("fpga_ms", "*", "FPGA"), ("cpu_pytorch_ms", "P", "CPU PyTorch"),
                              ("gpu_pytorch_ms", "D", "GPU PyTorch")]:
        axes.scatter(list(INR_ARCH), [INR_ARCH[o][key] for o in INR_ARCH], marker=marker, color="black",
                     zorder=5, label=f"INR-Arch paper: {what}, 64 pts")
    axes.set_yscale("log")
    axes.set_xticks([1, 2, 3, 4])
    axes.set_xlabel("derivative order")
    axes.set_ylabel("time per call, ms (median)")
    load = results["machine_before"]["load_1_5_15"][0]
    axes.set_title(f"SIREN 2-256x4-3: time vs order (load {load:.1f} on {results['machine_before']['cpus']} CPUs)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run: 3 rounds x 1 repeat, 20 s budget, no 65536 points")
    parser.add_argument("--self-check", action="store_true", help="PyTorch INSP loop vs unique partials, 64 points order 2")
    parser.add_argument("--points", help="comma-separated point counts (default 64,4096,65536)")
    parser.add_argument("--orders", default="1,2,3,4", help="comma-separated orders")
    parser.add_argument("--rounds", type=int, help="alternating rounds (default 5, quick 3)")
    parser.add_argument("--repeats", type=int, help="timed calls per method per round (default 2, quick 1)")
    parser.add_argument("--budget-s", type=float, help="about this many seconds of calls per method and workload "
                        "(default 60, quick 20); slow methods get fewer samples, at least 3")
    parser.add_argument("--probe-limit-s", type=float, default=60.0, help="skip a method whose first call takes longer")
    parser.add_argument("--warm-up-below-ms", type=float, default=10e3,
                        help="torch batches start with an untimed call when a call is faster than this")
    parser.add_argument("--all-threads", type=int, default=0, help="thread count of the 'all' columns (0: every CPU)")
    parser.add_argument("--mem-limit-gb", type=float, default=0.0,
                        help="address-space cap per PyTorch worker (default: half the available memory, at most 12)")
    parser.add_argument("--torch-blas", default="auto", help="auto (OpenBLAS if installed), system, or a directory with libblas.so.3")
    parser.add_argument("--omp-wait-policy", default="passive", choices=["passive", "active", "default"],
                        help="OMP_WAIT_POLICY of the PyTorch workers (default passive; see bench/README.md)")
    parser.add_argument("--bench-binary", default=os.path.join(REPO, "build", "release", "bench", "inrarch_bench"))
    parser.add_argument("--inrarch", default=os.path.join(REPO, "build", "release", "inrarch"))
    parser.add_argument("--ours-timeout-s", type=float, default=300.0, help="limit of ours' first invocation")
    parser.add_argument("--out", default=os.path.join(REPO, "bench_out"))
    args = parser.parse_args()

    if args.self_check:
        sys.exit(subprocess.run([sys.executable, BASELINE, "--self-check", "--self-check-orders", "2"]).returncode)

    args.rounds = args.rounds or (3 if args.quick else 5)
    args.repeats = args.repeats or (1 if args.quick else 2)
    args.budget_s = args.budget_s or (20.0 if args.quick else 60.0)
    if args.mem_limit_gb <= 0:
        available = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemAvailable"))
        args.mem_limit_gb = round(min(12.0, available / 2 ** 20 / 2), 1)
    point_counts = [int(p) for p in (args.points or ("64,4096" if args.quick else "64,4096,65536")).split(",")]
    orders = [int(o) for o in args.orders.split(",")]
    os.makedirs(args.out, exist_ok=True)
    log_dir = os.path.join(args.out, "logs")
    shutil.rmtree(log_dir, ignore_errors=True)
    os.makedirs(log_dir)

    ours = Ours(args.bench_binary)
    ours_state = "available" if ours.available else \
        f"NOT AVAILABLE: {args.bench_binary} does not exist yet; only PyTorch is measured, no ratios"
    print(f"ours: {ours_state}")
    args.weights_path, weights_note = export_weights(args.inrarch, args.out)
    print(f"weights: {weights_note}")
    environment, blas = torch_environment(args.torch_blas, args.omp_wait_policy)
    if blas == "system libblas.so.3":
        print("warning: PyTorch uses the system libblas.so.3; if that is netlib's reference BLAS, every PyTorch "
              "number is about 10x slower than with OpenBLAS (apt-get install libopenblas0-openmp)")
    results = {"machine_before": machine_state(), "ours": ours_state, "weights": weights_note,
               "torch": {"blas_directory": blas, "omp_wait_policy": environment.get("OMP_WAIT_POLICY", "libgomp default")},
               "workloads": [],
               "config": {k: v for k, v in vars(args).items() if k != "weights_path"}}
    print(f"load before: {results['machine_before']['load_1_5_15']}; memory cap per PyTorch worker: {args.mem_limit_gb} GB")

    too_big = {}
    for points in point_counts:
        for order in sorted(orders):
            started = time.time()
            methods = run_workload(points, order, ours, args, environment, log_dir, too_big)
            record = workload_record(points, order, methods)
            record["seconds"] = round(time.time() - started, 1)
            record["load_after"] = [round(v, 2) for v in os.getloadavg()]
            results["workloads"].append(record)
            setups = [m.setup for m in methods if m.setup and "blas" in m.setup]
            if setups:
                results["torch"].update(version=setups[0]["torch"], blas=setups[0]["blas"])
            print(f"{points} points, order {order}: " + ", ".join(
                f"{m.name} {cell(m.median())} ms" if m.median() else f"{m.name} {m.skipped}" for m in methods) +
                f"  ({record['seconds']} s, load {record['load_after'][0]})", flush=True)
            with open(os.path.join(args.out, "results.json"), "w") as handle:
                json.dump(results, handle, indent=1)  # partial results survive an interrupted run

    results["machine_after"] = machine_state()
    results["targets"] = check_targets(results["workloads"], ours.available)
    with open(os.path.join(args.out, "results.json"), "w") as handle:
        json.dump(results, handle, indent=1)
    report(results)
    plot(results, os.path.join(args.out, "bench.png"))
    print(f"\nwrote {os.path.join(args.out, 'results.json')} and {os.path.join(args.out, 'bench.png')}")


if __name__ == "__main__":
    main()
