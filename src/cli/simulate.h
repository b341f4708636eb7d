// `inrarch simulate`: the dataflow design of a model's derivatives (or of a project written by
// `inrarch compile`), with its FIFOs sized by a strategy, run through the cycle simulator and the
// analysis; prints where the cycles go and what the design costs, and draws it. Option structs
// are filled by main.cpp (CLI11).
#pragma once

#include <cstdint>
#include <string>

#include "dataflow/lower.h"
#include "dataflow/resources.h"
#include "dataflow/timing.h"
#include "models/siren.h"

namespace inrarch::cli {

// The choices `compile` and `simulate` both make after lowering: each matmul's P under a DSP
// budget, then the FIFO depths by a strategy, planned for a run of `tiles` tiles.
struct DesignChoices {
  int64_t dsp_budget = 0;                  // > 0: choose P per matmul; 0: keep the lowering's
  std::string fifo_strategy = "analytic";  // analytic | double-shrink | uniform:D | none (keep the lowering's)
  int64_t tiles = 1;
  bool longer_runs = false;  // the depths must hold for longer runs too (fifo_sizing.h)
  dataflow::TimingOptions timing;
  dataflow::ResourceOptions resources;
};

// Applies the choices to the network; returns a one-line account of the FIFO sizing.
std::string apply_design_choices(dataflow::Network& network, const DesignChoices& choices);

struct SimulateOptions {
  std::string model = models::kDefaultSiren;  // ONNX file, built-in spec, or a compiled project directory
  int order = 1;
  std::string method = "taylor";    // taylor | nested
  int64_t points = 16;              // K: points per tile (as in compile)
  int64_t num_points = 64;          // points the run processes
  std::string kernels = "library";  // library | inrarch (INR-Arch-like row-streaming matmul, model only)
  std::string fifo_strategy;        // analytic | double-shrink | uniform:D; empty: analytic, or a project's own depths
  int64_t dsp_budget = 0;           // > 0: choose each matmul's P to fit
  bool exact_run = false;           // size for exactly this run, not for any length as compile does
  int block = 4;                    // largest elements per FIFO beat
  int parallel = 4;                 // largest matmul columns per cycle (without --dsp-budget)
  // A project keeps the number format, part and clock it was compiled for.
  std::string dtype = "fixed32_10";  // float or fixed<W>_<I>: operator latencies and word width
  std::string part = "xcu50-fsvh2104-2-e";
  double clock_ns = 3.33;
  int top = 25;        // processes listed in the table (all are in simulation.json)
  std::string output;  // directory for simulation.json, gantt.svg, fifo_occupancy.svg
};

int run_simulate(const SimulateOptions& options);

}  // namespace inrarch::cli
