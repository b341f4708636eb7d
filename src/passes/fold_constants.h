// Constant folding: a node whose operands are all known constants is replaced by the constant it
// evaluates to. Derivative graphs are full of such nodes (gradient and Taylor seeds, their
// transposes, slices and products), and once folded, simplify can see their values (a one-hot seed
// times a weight becomes a row select, a zero seed erases a whole product).
//
// Two things are deliberately not folded:
//  - nodes reading a named constant (a parameter): a value derived from a weight stays computed
//    from it, so the weight stays the one place the graph reads it (fit and edit swap weights, and
//    parameter counts stay true);
//  - nodes whose result would be much larger than their operands (a scalar broadcast to [256,256]
//    stays a Broadcast: storing it would cost memory and hide that it is a fill), and nodes over the
//    batch, whose size is unknown until run time.
#pragma once

#include "ir/graph.h"

namespace inrarch::passes {

ir::Graph fold_constants(const ir::Graph& graph);

}  // namespace inrarch::passes
