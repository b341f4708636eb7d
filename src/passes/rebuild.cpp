#include "passes/rebuild.h"

namespace inrarch::passes {

ir::Builder builder_like(const ir::Graph& graph) {
  return ir::Builder(graph.size() ? graph.nodes().front().dtype : ir::DType::F32);
}

std::vector<ir::NodeId> mapped_inputs(const ir::Node& node, const std::vector<ir::NodeId>& new_ids) {
  std::vector<ir::NodeId> inputs;
  inputs.reserve(node.inputs.size());
  for (ir::NodeId input : node.inputs) inputs.push_back(new_ids[static_cast<size_t>(input)]);
  return inputs;
}

void add_outputs(const ir::Graph& graph, const std::vector<ir::NodeId>& new_ids, ir::Builder& builder) {
  for (const auto& output : graph.outputs()) builder.add_output(output.name, new_ids[static_cast<size_t>(output.node)]);
}

ir::Graph rebuild(const ir::Graph& graph, const NodeRewrite& rewrite) {
  ir::Builder builder = builder_like(graph);
  std::vector<ir::NodeId> new_ids;
  new_ids.reserve(graph.size());
  for (const ir::Node& node : graph.nodes()) new_ids.push_back(rewrite(builder, node, mapped_inputs(node, new_ids)));
  add_outputs(graph, new_ids, builder);
  return builder.finish();
}

}  // namespace inrarch::passes
