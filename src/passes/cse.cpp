#include "passes/cse.h"

#include <algorithm>

#include "passes/rebuild.h"

namespace inrarch::passes {

ir::Graph common_subexpression_elimination(const ir::Graph& graph) {
  return rebuild(graph, [](ir::Builder& builder, const ir::Node& node, std::vector<ir::NodeId> inputs) {
    if (node.op == ir::Op::Add || node.op == ir::Op::Mul) std::sort(inputs.begin(), inputs.end());
    return builder.clone(node, inputs);
  });
}

}  // namespace inrarch::passes
