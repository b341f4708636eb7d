// Dead-code elimination: keeps only the nodes some output needs. Other passes bypass nodes rather
// than delete them (simplify rewrites x*1 to x and leaves the multiply behind), so this pass is what
// actually shrinks the graph. Input nodes always stay, needed or not: they are the graph's calling
// interface, and the batch size is bound from them.
#pragma once

#include "ir/graph.h"

namespace inrarch::passes {

ir::Graph dead_code_elimination(const ir::Graph& graph);

}  // namespace inrarch::passes
