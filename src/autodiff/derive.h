// derive(): the derivative compiler's entry point. It turns a forward graph into a graph whose
// output holds all partial derivatives up to order n of every output channel with respect to the
// coordinate input — an IR -> IR transform, so every later stage (passes, engines, dataflow, HLS)
// sees an ordinary graph.
#pragma once

#include <string>

#include "autodiff/multi_index.h"
#include "ir/graph.h"

namespace inrarch::autodiff {

enum class Method {
  Taylor,  // multivariate truncated Taylor propagation: unique partials only, polynomial cost
  Nested,  // reverse mode applied n times, as INR-Arch and INSP-Net build their graphs
};

enum class Layout {
  Unique,  // [points, channels, M], M = C(n+d, d), graded lexicographic multi-indices
  Insp,    // INSP-Net's feature ordering (BFS over ordered partials, 1/189-scaled grad calls)
};

struct DeriveSpec {
  int order = 1;
  Method method = Method::Taylor;
  Layout layout = Layout::Unique;
  std::string wrt;     // coordinate input name; empty: the graph's only [N, d] input
  int insp_calls = 31; // Layout::Insp: how many grad calls INSP-Net's export loop makes
};

// The derivative graph has one output, "derivatives": [N, channels, M] for Layout::Unique, with the
// true derivatives ∂^α f_c (not Taylor coefficients). Throws UserError for an op without a rule or a
// spec out of range, naming the op.
ir::Graph derive(const ir::Graph& forward, const DeriveSpec& spec);

// The coordinate input derive() would use for `spec.wrt` (resolves the empty default).
ir::NodeId coordinate_input(const ir::Graph& forward, const std::string& wrt);

}  // namespace inrarch::autodiff
