#include "ir/graph.h"

#include <sstream>

namespace inrarch::ir {

std::string to_dot(const Graph& graph) {
  std::ostringstream dot;
  dot << "digraph inrarch {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n";
  for (size_t i = 0; i < graph.size(); ++i) {
    const Node& node = graph.nodes()[i];
    std::string label = std::string(op_name(node.op)) + attribute_text(node);
    std::string escaped;
    for (char c : label) {
      if (c == '"') escaped += '\\';
      escaped += c;
    }
    const char* style = node.op == Op::Input      ? ", style=filled, fillcolor=lightblue"
                        : node.op == Op::Constant ? ", style=filled, fillcolor=lightgrey"
                        : node.op == Op::MatMul   ? ", style=filled, fillcolor=orange"
                                                  : "";
    dot << "  n" << i << " [label=\"%" << i << " " << escaped << "\"" << style << "];\n";
    for (NodeId input : node.inputs) {
      dot << "  n" << input << " -> n" << i << " [label=\"" << shape_string(graph.node(input).shape) << "\"];\n";
    }
  }
  for (size_t k = 0; k < graph.outputs().size(); ++k) {
    const auto& output = graph.outputs()[k];
    dot << "  out" << k << " [label=\"" << output.name << "\", shape=ellipse, style=filled, fillcolor=palegreen];\n";
    dot << "  n" << output.node << " -> out" << k << ";\n";
  }
  dot << "}\n";
  return dot.str();
}

}  // namespace inrarch::ir
