#include <sstream>

#include "ir/graph.h"

namespace inrarch::ir {
std::string attribute_text(const Node& node) {
  std::ostringstream text;
  const Attrs& a = node.attrs;
  switch (node.op) {
    case Op::Input:
      text << " \"" << a.name << "\"";
      break;
    case Op::Constant:
      if (!a.name.empty()) text << " \"" << a.name << "\"";
      if (node.data && node.data->size() == 1) text << " value=" << node.data->front();
      break;
    case Op::MatMul:
      if (a.trans_a) text << " trans_a";
      if (a.trans_b) text << " trans_b";
      break;
    case Op::Scale:
      text << " by=" << a.scalar;
      break;
    case Op::Broadcast:
    case Op::Reshape:
      text << " to=" << shape_string(a.ints);
      break;
    case Op::ReduceSum:
      text << " axes=" << shape_string(a.ints) << (a.keepdims ? " keepdims" : "");
      break;
    case Op::Slice:
      text << " axis=" << a.axis << " range=[" << a.ints[0] << "," << a.ints[1] << ")";
      break;
    case Op::Gather:
      text << " axis=" << a.axis << " indices=" << shape_string(a.ints);
      break;
    case Op::Concat:
      text << " axis=" << a.axis;
      break;
    case Op::Transpose:
      text << " perm=" << shape_string(a.ints);
      break;
    default:
      break;
  }
  return text.str();
}

std::string to_text(const Graph& graph) {
  std::ostringstream text;
  for (size_t i = 0; i < graph.size(); ++i) {
    const Node& node = graph.nodes()[i];
    text << "%" << i << " = " << op_name(node.op) << "(";
    for (size_t k = 0; k < node.inputs.size(); ++k) text << (k ? ", %" : "%") << node.inputs[k];
    text << ")" << attribute_text(node) << " : " << dtype_name(node.dtype) << shape_string(node.shape) << "\n";
  }
  for (const auto& output : graph.outputs()) text << "output \"" << output.name << "\" = %" << output.node << "\n";
  return text.str();
}

}  // namespace inrarch::ir
