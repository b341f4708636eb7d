#include "passes/constants.h"

#include <algorithm>

#include "exec/reference.h"

namespace inrarch::passes {

bool is_parameter(const ir::Node& node) { return node.op == ir::Op::Constant && !node.attrs.name.empty(); }

bool is_known_constant(const ir::Node& node) { return node.op == ir::Op::Constant && node.attrs.name.empty(); }

std::optional<double> fill_value(const ir::Builder& builder, ir::NodeId id) {
  const ir::Node& node = builder.node(id);
  if (node.op == ir::Op::Broadcast) return fill_value(builder, node.inputs[0]);
  if (!is_known_constant(node) || node.data->empty()) return std::nullopt;
  const double first = node.data->front();
  const bool uniform = std::all_of(node.data->begin(), node.data->end(), [&](double value) { return value == first; });
  return uniform ? std::optional<double>(first) : std::nullopt;
}

bool is_fill(const ir::Builder& builder, ir::NodeId id, double value) {
  const auto fill = fill_value(builder, id);
  return fill && *fill == value;
}

bool is_zero(const ir::Builder& builder, ir::NodeId id) { return is_fill(builder, id, 0.0); }

ir::NodeId make_fill(ir::Builder& builder, double value, const ir::Shape& shape) {
  return builder.scalar_constant(value, shape);
}

Tensor evaluate_over_constants(const ir::Node& node, const std::vector<Tensor>& operands) {
  ir::Builder builder(node.dtype);
  std::vector<ir::NodeId> inputs;
  for (const Tensor& operand : operands) inputs.push_back(builder.constant(operand.shape, operand.data));
  builder.add_output("value", builder.clone(node, inputs));
  return exec::evaluate_reference(builder.finish(), {}).front();
}

}  // namespace inrarch::passes
