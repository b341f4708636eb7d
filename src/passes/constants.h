// Facts about constant values that fold_constants and simplify share. A "fill" is a tensor whose
// every element holds the same known value; simplify writes every fill it creates as a Broadcast of
// a one-element constant (make_fill), so "zero" looks the same wherever it came from, and these
// helpers also recognise small all-equal constants that fold_constants produced.
//
// Named constants are parameters (weights): their values may be trained or edited after the graph
// is built, so they are never treated as known values.
#pragma once

#include <optional>
#include <vector>

#include "ir/graph.h"
#include "ir/tensor.h"

namespace inrarch::passes {

bool is_parameter(const ir::Node& node);
// An unnamed constant: its values are part of the graph's meaning and may be computed with.
bool is_known_constant(const ir::Node& node);

// The value every element of `id` holds, if it is a fill.
std::optional<double> fill_value(const ir::Builder& builder, ir::NodeId id);
bool is_fill(const ir::Builder& builder, ir::NodeId id, double value);
bool is_zero(const ir::Builder& builder, ir::NodeId id);
// The canonical fill: a one-element constant broadcast to `shape`.
ir::NodeId make_fill(ir::Builder& builder, double value, const ir::Shape& shape);

// Evaluates `node` (its op and attributes) over constant operands with the reference evaluator, so
// folding computes exactly what executing the graph would. `node.shape` must not hold the batch.
Tensor evaluate_over_constants(const ir::Node& node, const std::vector<Tensor>& operands);

}  // namespace inrarch::passes
