// The optimisation pipeline: a readable list of pass calls (see pipeline.cpp), each pass one file
// pair in this folder with one entry function. After every pass the verifier runs in debug builds
// (and whenever asked), and the graph can be printed, LLVM -print-after style.
#pragma once

#include <cstdint>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace inrarch::passes {

// What one run of one pass did (a pass that runs in several rounds appears once per round).
struct PassStatistics {
  std::string pass;
  int64_t nodes_before = 0;
  int64_t nodes_after = 0;
  int64_t matmuls_before = 0;
  int64_t matmuls_after = 0;
  int64_t macs_per_point_before = 0;  // ir::matmul_macs_per_point
  int64_t macs_per_point_after = 0;
};

struct PipelineOptions {
  // Pass names after which the graph is printed as text ("all" prints after every pass). A name
  // that is neither "all" nor in pass_names() is a UserError.
  std::set<std::string> print_after;
  std::ostream* print_to = nullptr;  // where --print-after dumps go (stderr when null)
  bool verify_each_pass = false;     // always on in debug builds
  // When set, one entry per pass run is appended, in order (for `inrarch graph --stats`).
  std::vector<PassStatistics>* statistics = nullptr;
};

// Names of the passes in the order optimize() runs them (the first four repeat in rounds).
std::vector<std::string> pass_names();

// The most rounds of fold_constants, simplify, cse, dce that optimize() runs.
inline constexpr int kMaxRounds = 10;

// Runs fold_constants, simplify, cse, dce in rounds until the graph stops shrinking (at most
// kMaxRounds), then batch_shared_matmul, cse, dce. Output names, order and shapes are kept.
ir::Graph optimize(const ir::Graph& graph, const PipelineOptions& options = {});

}  // namespace inrarch::passes
