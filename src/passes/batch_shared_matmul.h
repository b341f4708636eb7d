// Batching of matmuls that share a weight. A Taylor-mode derivative graph multiplies every layer's
// weight by each of the M Taylor coefficients of the layer's input, M separate [N, K] x [K, Out]
// products; as separate nodes each reads the whole weight again (M times the weight traffic, the
// bound that matters on an FPGA). Stacking the M left operands into one [M, N, K] operand makes
// ONE matmul that reads the weight once:
//   a_i -> Reshape [1, N, K] -> Concat on axis 0 -> [M, N, K] -> MatMul -> [M, N, Out]
//       -> Slice [i, i+1) on axis 0 -> Reshape [N, Out] -> each former user.
//
// Which matmuls merge: the right operand is the same constant node with the same transpose flags,
// the left operands are rank 2 of equal shape, and the products are mutually independent, since a
// stacked operand needs all of its parts first. Nested reverse mode reads one weight in the forward
// pass and again in the backward pass, which depends on the forward product, so merging those would
// create a cycle. Independence is decided per weight: a matmul's depth is the length of the longest
// chain of same-group matmuls above it, and only equal depths merge (no member can lie above
// another of its own depth). Groups are merged one weight at a time, recomputing depths on the
// graph the previous merge produced, which keeps merges of different weights from forming a cycle
// through each other.
#pragma once

#include "ir/graph.h"

namespace inrarch::passes {

ir::Graph batch_shared_matmul(const ir::Graph& graph);

}  // namespace inrarch::passes
