// Algebraic simplification. Derivative transforms apply every rule of every op mechanically, so
// their graphs are full of multiplications by one, additions of zero, products with zero seeds,
// double negations, transposes of transposes and slices of concatenations; and a one-hot seed times
// a weight, which is only a row select. This pass rewrites them away, bottom-up: each node is built
// over already-simplified operands and replaced by its simplest equivalent, and every replacement
// is itself built the same way, so one pass reaches the fixed point (simplify(simplify(g)) equals
// simplify(g)).
//
// The rules, each next to its op in simplify.cpp:
//   elementwise op of fills -> fill;  movement op (broadcast, reshape, transpose, slice, gather)
//   of a fill -> fill;  concat of equal fills, reduce_sum of zero, matmul with a zero -> fill
//   x*c (c a fill) -> scale(x, c);  x+0, 0+x, x-0 -> x;  0-x -> neg x;  x/1 -> x
//   neg neg x -> x;  neg scale(x, s) -> scale(x, -s);  scale(scale(x, s), t) -> scale(x, s*t)
//   scale(x, 1) -> x;  scale(x, 0) -> zero;  scale(neg x, s) -> scale(x, -s)
//   elementwise op of broadcasts (of equal source shapes) -> broadcast of the op on the sources
//   transpose(transpose x) -> one transpose, or x;  reshape(reshape x) -> one reshape, or x
//   broadcast(broadcast x) -> one broadcast;  identity transpose/reshape/broadcast/slice/gather -> x
//   slice(slice x) -> one slice;  slice of a concat inside one part -> slice of that part
//   concat of adjacent slices of one tensor -> one slice (x itself when they cover it)
//   matmul(broadcast of rows, b) -> broadcast(matmul(rows, b))
//   matmul by a one-hot constant (every column, resp. row, a unit vector) -> gather
//
// "Fill" and "zero" are the helpers of passes/constants.h: parameters (named constants) are never
// treated as known values. x*0 -> 0 assumes x is finite, as every compiler's fast-math does. The
// operands a rewrite bypasses stay in the graph for dead_code_elimination.
#pragma once

#include "ir/graph.h"

namespace inrarch::passes {

ir::Graph simplify(const ir::Graph& graph);

}  // namespace inrarch::passes
