// What every pass shares: a pass never edits a graph in place; it reads the old graph and builds a
// new one through an ir::Builder, so hash-consing, shape inference and topological order hold by
// construction, and the graph's interface (inputs, output names and order) is carried over here once.
#pragma once

#include <functional>
#include <vector>

#include "ir/graph.h"

namespace inrarch::passes {

// Called once per old node, in order, with the node's operands already rebuilt; returns the new
// node that stands for it (a clone, or anything equivalent).
using NodeRewrite = std::function<ir::NodeId(ir::Builder& builder, const ir::Node& old_node,
                                             const std::vector<ir::NodeId>& new_inputs)>;

// Rebuilds every node of `graph` through `rewrite` and re-adds the outputs.
ir::Graph rebuild(const ir::Graph& graph, const NodeRewrite& rewrite);

// An empty builder for nodes of the graph's dtype.
ir::Builder builder_like(const ir::Graph& graph);

// `node`'s operands mapped through `new_ids` (old node id -> new node id).
std::vector<ir::NodeId> mapped_inputs(const ir::Node& node, const std::vector<ir::NodeId>& new_ids);

// Re-adds the outputs of `graph` to `builder` under their names and in their order.
void add_outputs(const ir::Graph& graph, const std::vector<ir::NodeId>& new_ids, ir::Builder& builder);

}  // namespace inrarch::passes
