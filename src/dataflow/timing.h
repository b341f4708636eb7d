// The timing model of the dataflow kernels: ONE description per process of the pipelined loops
// its kernel runs (trip counts, initiation interval, pipeline depth) and of which loop iterations
// read or write which FIFO beats. The deadlock and latency analysis, the FIFO sizing, the cycle
// simulator and the resource estimate read it, and the HLS code generator prints it next to each
// process, so the model and the generated kernels cannot drift apart silently.
//
// Why loops and not a per-kernel formula: a FIFO's required depth depends on WHEN each beat is
// written and read, not only on rates. Each description below mirrors the loop nest of one kernel
// in src/hls/include/inrarch_hls/*.h (named at each kernel); change both together.
//
// Execution model (what analysis.h and simulate.h implement):
//  - A kernel is a sequence of pipelined loops. A loop of T iterations with initiation interval II
//    and pipeline depth D takes T + L pipeline *steps*, L = ceil(D / II). Step k reads the beats of
//    iteration k and writes the beats of iteration k - L. The pipeline advances as a whole: step k
//    happens when its reads are available and its writes have space, and at least II cycles after
//    step k - 1. This is Vitis HLS's default stalling pipeline ("stp": not flushable, in-flight
//    iterations wait for new input; UG1399 "Flushing Pipelines", UG1448 "Pipeline Styles").
//  - The first loop starts at cycle 0; each later loop (or compute-only loop nest) starts one cycle
//    after the previous one's last step; a loop without FIFO accesses just takes its cycles.
//  - FIFOs: a beat written in cycle c can be read from cycle c + 1; a slot freed by a read in cycle
//    c can be written from cycle c + 1 (registered empty/full flags).
//  - `untimed` drops every pipeline depth to 0: the threaded C-simulation's semantics, which only
//    decides deadlock (csim has no clock, and its processes never hold data inside a pipeline).
// Pipeline depths are estimates for a 300 MHz clock (see op_latency), not synthesis results.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dataflow/lower.h"
#include "ir/graph.h"

namespace inrarch::dataflow {

enum class KernelStyle {
  Library,  // the kernels of src/hls/include/inrarch_hls (what `inrarch compile` generates)
  InrArch,  // INR-Arch-like row-streaming matmul, write after each row (comparison only; no code generator)
};

struct TimingOptions {
  KernelStyle kernels = KernelStyle::Library;
  bool floating_point = false;  // operator latencies of float instead of ap_fixed<32, 10>
  bool untimed = false;         // all pipeline depths 0 (C-simulation semantics)
};

// Latency in cycles of one elementwise operator at ~300 MHz (Vitis HLS-like estimates).
int op_latency(ir::Op op, bool floating_point);

// How one loop touches one stream.
struct PortUse {
  int stream = -1;
  bool write = false;
  // Beat: every iteration reads or writes one whole beat (elementwise kernels, forks).
  // Element: every `every`-th iteration (i % every == 0) handles one element through an
  // ElementReader / ElementWriter, which reads a beat before the first element of each block and
  // writes one after the last. The element count persists across loops of the same process.
  bool per_element = false;
  int64_t every = 1;
  // Element ports only: when `period` > 0 the port is active in windows: iteration i >= skip
  // handles an element iff (i - skip) % period < window and that offset is a multiple of `every`
  // (matmul.h reads during a period's compute iterations and writes the previous group during
  // its first G*N iterations, from the second period on).
  int64_t period = 0, window = 0, skip = 0;
  // Element writers only: element e of the loop is kept (written) iff keep[(e / keep_run) %
  // keep.size()]; empty keeps all (a select's dropped positions).
  std::vector<bool> keep;
  int64_t keep_run = 1;
};

struct LoopSpec {
  std::string name;   // "read", "mac", "write", "stream", ...
  int64_t trips = 0;  // iterations of one instance
  int ii = 1;
  int depth = 0;               // pipeline depth in cycles
  std::vector<PortUse> ports;  // empty: a loop nest without FIFO accesses (only its cycles count)
  int64_t cycles() const;      // unstalled: trips * ii + depth
};

// A group of loops run `repeat` times in sequence (a matmul's row loop, a concat's outer loop).
struct LoopGroup {
  int64_t repeat = 1;
  std::vector<LoopSpec> loops;
};

struct KernelSpec {
  std::string kernel;  // the kernel template it mirrors, e.g. "inrarch_hls::matmul"
  // Per tile, in order. When `flattened` the kernel's loop nest over tiles is one pipelined loop:
  // the single loop's trips are per tile and it runs once over all tiles (no per-tile refill).
  std::vector<LoopGroup> groups;
  bool flattened = false;
  std::vector<LoopSpec> epilogue;   // loops run once after all tiles (a flattened loop's drain)
  int64_t cycles_per_tile() const;  // unstalled; a flattened loop fills once per run, not per tile
  // One line, e.g. "inrarch_hls::matmul: stream 3072 (II 1, depth 6) over all tiles + drain 32
  // (II 1, depth 2) once; 3072 cycles per tile unstalled".
  std::string describe() const;
};

KernelSpec kernel_spec(const Network& network, int process, const TimingOptions& options);

// The loop of matmul.h for one matmul process: groups of `group_rows` rows (1, or trans_a_m rows
// whose elements interleave in the stream), each taking `period` iterations of one flattened loop:
// `compute` MAC iterations (an input element every cols/P of them) overlapped with the `writes`
// element writes of the previous group. The same accumulator is updated every `distance`
// iterations; a shorter distance than the read-add recurrence raises the II.
struct MatMulLoop {
  int64_t group_rows = 1, groups = 0;  // groups per tile
  int64_t compute = 0, writes = 0, period = 0, distance = 0;
  int ii = 1;
  int64_t accumulator_words() const { return 2 * writes; }  // ping-pong: two groups of outputs
};
MatMulLoop matmul_loop(const Process& process, bool floating_point);

// The whole run of every process as a sequence of steps that touch FIFOs (steps without FIFO
// accesses are folded into the delay of the next one).
struct ProcessSchedule {
  struct Step {
    uint32_t delay;    // cycles at least after the previous step (the first: after cycle 0)
    uint32_t pattern;  // offset of its access pattern in `accesses`
  };
  std::vector<Step> steps;
  // Access patterns, each stored once: [reads, writes, read streams..., written streams...].
  std::vector<int32_t> accesses;
  int64_t trailing = 0;  // cycles from the last step until the process is done

  std::span<const int32_t> reads(const Step& step) const {
    return {accesses.data() + step.pattern + 2, static_cast<size_t>(accesses[step.pattern])};
  }
  std::span<const int32_t> writes(const Step& step) const {
    return {accesses.data() + step.pattern + 2 + accesses[step.pattern],
            static_cast<size_t>(accesses[step.pattern + 1])};
  }
};

struct Schedule {
  int64_t tiles = 0;
  std::vector<ProcessSchedule> processes;
  std::vector<int64_t> beats;  // per stream: beats over the whole run
};

// Throws UserError when a process has no kernel the model knows or a kernel's shape assumptions
// (B divides the per-loop element counts, P divides the columns) do not hold.
Schedule build_schedule(const Network& network, const TimingOptions& options, int64_t tiles);

// Tiles needed for `points` points.
int64_t tiles_for(const Network& network, int64_t points);

}  // namespace inrarch::dataflow
