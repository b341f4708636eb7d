#include "passes/dce.h"

#include "passes/rebuild.h"

namespace inrarch::passes {

ir::Graph dead_code_elimination(const ir::Graph& graph) {
  std::vector<bool> needed(graph.size(), false);
  for (const auto& output : graph.outputs()) needed[static_cast<size_t>(output.node)] = true;
  for (size_t i = graph.size(); i-- > 0;) {
    const ir::Node& node = graph.nodes()[i];
    if (node.op == ir::Op::Input) needed[i] = true;
    if (!needed[i]) continue;
    for (ir::NodeId input : node.inputs) needed[static_cast<size_t>(input)] = true;
  }
  ir::Builder builder = builder_like(graph);
  std::vector<ir::NodeId> new_ids(graph.size(), -1);
  for (size_t i = 0; i < graph.size(); ++i) {
    if (!needed[i]) continue;
    const ir::Node& node = graph.nodes()[i];
    new_ids[i] = builder.clone(node, mapped_inputs(node, new_ids));
  }
  add_outputs(graph, new_ids, builder);
  return builder.finish();
}

}  // namespace inrarch::passes
