// The FPGA subcommands: `inrarch compile` writes a Vitis HLS project for a model's derivative
// graph, `inrarch csim` runs that project's threaded C-simulation here. Option structs are filled
// by main.cpp (CLI11); the functions hold no parsing code.
#pragma once

#include <cstdint>
#include <string>

#include "models/siren.h"

namespace inrarch::cli {

struct CompileOptions {
  std::string model = models::kDefaultSiren;
  int order = 0;
  std::string method = "taylor";  // taylor | nested
  int64_t points = 16;            // K: points per tile
  int64_t test_points = 0;        // testbench points; 0: one tile
  std::string dtype = "float";    // float | fixed32_10 | fixed<W>_<I>
  std::string part = "xcu50-fsvh2104-2-e";
  double clock_ns = 3.33;
  std::string depths = "fork-tile";  // fork-tile | uniform: the lowering's FIFO depth policy
  int depth = 2;                     // depth of FIFOs the policy does not size
  int block = 4;                     // largest elements per FIFO beat
  int parallel = 4;                  // largest matmul columns per cycle
  std::string output;                // project directory
  // Dataflow analysis (cli/simulate.h): FIFO depths by a strategy (none: keep the --depths
  // policy), planned for the testbench's points but at least four tiles; P per matmul to fit.
  std::string fifo_strategy = "analytic";
  int64_t dsp_budget = 0;
};

struct CsimOptions {
  std::string directory;
  int depth = 0;  // > 0: force every FIFO to this depth
};

int run_compile(const CompileOptions& options);
// Runs `make -C DIR csim`, then DIR/csim_model; returns the simulation's exit status
// (0 pass, 1 mismatch, 3 deadlock, 4 leftover FIFO data, 5 process failure).
int run_csim(const CsimOptions& options);

}  // namespace inrarch::cli
