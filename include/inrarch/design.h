// The public API, part 3: the FPGA backend. A design is built by one list of stages,
// build_design(): derivative graph -> lower to a dataflow network -> each matmul's parallelism
// under a DSP budget -> FIFO depths by a strategy. `compile_hls` writes that design as a Vitis HLS
// project, `simulate` runs it through the cycle simulator and the analysis, `csim` runs a
// project's threaded C-simulation here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataflow/lower.h"
#include "hls/codegen.h"
#include "inrarch/model.h"
#include "ir/graph.h"

namespace inrarch {

// What compile and simulate share, with one set of defaults.
struct DesignOptions {
  int order = 1;                   // 0: the forward model
  std::string method = "taylor";   // taylor | nested
  int64_t tile = 16;               // K: points per tile, 1 .. 4096
  // float, fixed<W>_<I> (INR-Arch's ap_fixed<32,10> is fixed32_10) or, for compile, fixed<W>_auto
  // (the fewest integer bits that hold the testbench's values).
  std::string dtype = "fixed32_10";
  std::string part = hls::kDefaultPart;
  double clock_ns = hls::kDefaultClockNs;
  std::string depths = "fork-tile";  // fork-tile | uniform: the lowering's FIFO depth policy
  int depth = 2;                     // depth of the FIFOs that policy does not size
  int block = 4;                     // largest elements per FIFO beat
  int parallel = 4;                  // largest matmul columns per cycle (without a DSP budget)
  int64_t dsp_budget = 0;            // > 0: choose each matmul's P to fit this many DSPs
  // analytic | double-shrink | uniform:D | none (keep the lowering's depths, and say whether they
  // deadlock)
  std::string fifo_strategy = "analytic";
  std::string kernels = "library";  // library | inrarch (INR-Arch-like row-streaming matmul, model only)
};

// A design ready to write or simulate.
struct Design {
  ir::Graph graph;                // the optimized derivative graph
  dataflow::Network network;      // lowered, P chosen, FIFOs sized
  hls::NumberFormat number;       // fixed<W>_auto: integer_bits 0, left to compile_hls
  std::string sizing;             // one line: how the FIFOs were sized, and whether they deadlock
  std::vector<int> element_orders;  // derivative order of each element of one point's output
};

// The run the FIFO depths are planned for: at least `points` points; `longer_runs`: the depths
// must hold for any longer run too (what compile writes).
struct DesignRun {
  int64_t points = 1;
  bool longer_runs = true;
};
Design build_design(const ir::Graph& forward, const DesignOptions& options, const DesignRun& run);

struct CompileOptions {
  std::string model = models::kDefaultSiren;
  DesignOptions design{.order = 0};
  int64_t test_points = 0;  // testbench points; 0: one tile
  std::string output;       // project directory
};
struct CompileResult {
  std::string sizing;                // as Design::sizing
  std::string number;                // e.g. "fixed32_10"; fixed<W>_auto resolved
  std::string number_note;           // fixed<W>_auto: which type was chosen and why; else empty
  std::vector<std::string> warnings;  // fixed-point values that leave the type's range
  size_t processes = 0, streams = 0;
  int64_t fifo_elements = 0;
  int64_t tile = 0;
};
CompileResult compile_hls(const CompileOptions& options);
// What `inrarch compile` prints about the result: the sizing, warnings, and the next commands.
std::string compile_report(const CompileOptions& options, const CompileResult& result);

struct CsimOptions {
  std::string directory;  // a project written by compile_hls
  int depth = 0;          // > 0: force every FIFO to this depth (deadlock exploration)
};
// Runs `make -C DIR csim`, then DIR/csim_model (its output goes to stdout); returns the
// simulation's exit status (0 pass, 1 mismatch, 3 deadlock, 4 leftover FIFO data, 5 process failure).
int csim(const CsimOptions& options);

struct SimulateOptions {
  std::string model = models::kDefaultSiren;  // ONNX file, built-in spec, or a project directory
  // A project keeps the number format, part, clock, P and FIFO depths it was compiled with unless
  // fifo_strategy or dsp_budget is given.
  DesignOptions design{.fifo_strategy = ""};  // fifo_strategy empty: analytic, or a project's own
  int64_t num_points = 64;  // points the run processes
  bool exact_run = false;   // size for exactly this run, not for any length as compile does
  int top = 25;             // processes listed in `text` (all are in `report`)
  std::string output;       // directory for simulation.json, gantt.svg, fifo_occupancy.svg; empty: none
};
struct SimulateResult {
  nlohmann::json report;  // what simulation.json holds
  std::string text;       // the table and figures `inrarch simulate` prints
  bool deadlock = false;
  std::vector<std::string> files;  // written into `output`
};
SimulateResult simulate(const SimulateOptions& options);

}  // namespace inrarch
