// Common-subexpression elimination. The builder hash-conses, so a graph built in one go holds each
// structurally distinct node once; but rewrites (simplify turning two different nodes into equal
// ones), graphs assembled from separately built parts, and commutative operands in either order
// all leave duplicates behind. Re-interning every node through a fresh builder, with the operands of
// commutative ops (Add, Mul) ordered by node id, merges them: a+b and b+a become one node. This is
// INR-Arch's "graph merging": the graphs of all derivative outputs share every common term.
#pragma once

#include "ir/graph.h"

namespace inrarch::passes {

ir::Graph common_subexpression_elimination(const ir::Graph& graph);

}  // namespace inrarch::passes
