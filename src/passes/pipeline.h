// The optimisation pipeline: a readable list of pass calls (see pipeline.cpp), each pass one file
// pair in this folder with one entry function. In debug builds the verifier runs after every pass.
#pragma once

#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace inrarch::passes {

struct PipelineOptions {
  // Pass names after which the graph is printed as text ("all" prints after every pass).
  std::set<std::string> print_after;
  std::ostream* print_to = nullptr;  // where --print-after dumps go (stderr when null)
  bool verify_each_pass = false;     // always on in debug builds
};

// Names of the passes in the order optimize() runs them.
std::vector<std::string> pass_names();

// Runs every pass to a fixed point of graph size (bounded), returning the optimized graph.
ir::Graph optimize(const ir::Graph& graph, const PipelineOptions& options = {});

}  // namespace inrarch::passes
