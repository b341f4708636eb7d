// The stages build_design() lists, shared by compile_hls (design.cpp) and simulate (simulate.cpp),
// which also rebuilds a compiled project's network from its report.json.
#pragma once

#include <cstdint>
#include <string>

#include "dataflow/lower.h"
#include "dataflow/resources.h"
#include "dataflow/timing.h"
#include "hls/codegen.h"
#include "inrarch/design.h"

namespace inrarch::design_stages {

// Lowers the graph with the options' tile, block, parallelism and depth policy.
dataflow::Network lower(const ir::Graph& graph, const DesignOptions& options);

// The timing and resource models of the number format and kernel style.
struct Models {
  dataflow::TimingOptions timing;
  dataflow::ResourceOptions resources;
};
Models models_for(const hls::NumberFormat& number, const std::string& kernels);

// The choices `compile` and `simulate` both make after lowering: each matmul's P under a DSP
// budget, then the FIFO depths by a strategy, planned for a run of `tiles` tiles.
struct DesignChoices {
  int64_t dsp_budget = 0;                  // > 0: choose P per matmul; 0: keep the lowering's
  std::string fifo_strategy = "analytic";  // analytic | double-shrink | uniform:D | none (keep the lowering's)
  int64_t tiles = 1;
  bool longer_runs = false;  // the depths must hold for longer runs too (fifo_sizing.h)
  Models models;
};

// Applies the choices to the network; returns a one-line account of the FIFO sizing.
std::string apply_design_choices(dataflow::Network& network, const DesignChoices& choices);

}  // namespace inrarch::design_stages
