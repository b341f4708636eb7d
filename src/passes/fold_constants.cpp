#include "passes/fold_constants.h"

#include <algorithm>

#include "passes/constants.h"
#include "passes/rebuild.h"

namespace inrarch::passes {
namespace {

// A folded result may always be this large, whatever its operands; beyond it, it may be at most as
// large as all its operands together.
constexpr int64_t kAlwaysFoldableElements = 64;

bool worth_folding(const ir::Builder& builder, const ir::Node& node, const std::vector<ir::NodeId>& inputs) {
  if (node.op == ir::Op::Input || node.op == ir::Op::Constant || ir::has_batch(node.shape)) return false;
  int64_t operand_elements = 0;
  for (ir::NodeId input : inputs) {
    if (!is_known_constant(builder.node(input))) return false;
    operand_elements += ir::element_count(builder.shape(input));
  }
  return ir::element_count(node.shape) <= std::max(operand_elements, kAlwaysFoldableElements);
}

}  // namespace

ir::Graph fold_constants(const ir::Graph& graph) {
  return rebuild(graph, [](ir::Builder& builder, const ir::Node& node, const std::vector<ir::NodeId>& inputs) {
    if (!worth_folding(builder, node, inputs)) return builder.clone(node, inputs);
    std::vector<Tensor> operands;
    for (ir::NodeId input : inputs) operands.emplace_back(builder.shape(input), *builder.node(input).data);
    Tensor value = evaluate_over_constants(node, operands);
    return builder.constant(node.shape, std::move(value.data));
  });
}

}  // namespace inrarch::passes
