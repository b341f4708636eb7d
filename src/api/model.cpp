// include/inrarch/model.h: loading, describing and exporting models.
#include "inrarch/model.h"

#include <optional>
#include <sstream>

#include "models/model.h"
#include "models/onnx_export.h"

namespace inrarch {
namespace {

// The single user of `id`, if it has exactly one: how a layer's bias and activation are found.
std::optional<ir::NodeId> only_user(const std::vector<std::vector<ir::NodeId>>& users, ir::NodeId id) {
  const auto& list = users[static_cast<size_t>(id)];
  if (list.size() != 1) return std::nullopt;
  return list[0];
}

std::string constant_name(const ir::Graph& graph, ir::NodeId id) {
  const ir::Node& node = graph.node(id);
  if (node.op == ir::Op::Broadcast) return constant_name(graph, node.inputs[0]);
  if (node.op == ir::Op::Constant) return node.attrs.name.empty() ? "(constant)" : node.attrs.name;
  return "";
}

TensorInfo tensor_info(const std::string& name, const ir::Node& node) {
  return {name, ir::dtype_name(node.dtype), node.shape};
}

}  // namespace

ir::DType parse_dtype(const std::string& text) {
  if (text == "f32") return ir::DType::F32;
  if (text == "f64") return ir::DType::F64;
  throw UserError("--dtype " + text + ": expected f32 or f64");
}

ir::Graph load_model(const ModelOptions& options) {
  return models::load_model(options.model, parse_dtype(options.dtype));
}

ModelInfo describe_model(const ir::Graph& graph) {
  ModelInfo info;
  for (ir::NodeId id : graph.inputs()) info.inputs.push_back(tensor_info(graph.node(id).attrs.name, graph.node(id)));
  for (const auto& output : graph.outputs()) info.outputs.push_back(tensor_info(output.name, graph.node(output.node)));

  std::vector<std::vector<ir::NodeId>> users(graph.size());
  for (size_t i = 0; i < graph.size(); ++i) {
    for (ir::NodeId input : graph.nodes()[i].inputs) users[static_cast<size_t>(input)].push_back(static_cast<ir::NodeId>(i));
  }
  for (size_t i = 0; i < graph.size(); ++i) {
    const ir::Node& node = graph.nodes()[i];
    if (node.op != ir::Op::MatMul) continue;
    const ir::Node& weight = graph.node(node.inputs[1]);
    std::string bias = "-";
    std::string activation;
    auto next = only_user(users, static_cast<ir::NodeId>(i));
    if (next && graph.node(*next).op == ir::Op::Add) {
      const ir::Node& add = graph.node(*next);
      const ir::NodeId other = add.inputs[0] == static_cast<ir::NodeId>(i) ? add.inputs[1] : add.inputs[0];
      if (const std::string name = constant_name(graph, other); !name.empty()) {
        bias = name;
        next = only_user(users, *next);
      }
    }
    while (next && ir::is_elementwise_unary(graph.node(*next).op)) {
      const ir::Node& unary = graph.node(*next);
      std::ostringstream step;
      if (unary.op == ir::Op::Scale) {
        step << unary.attrs.scalar << "*";
      } else {
        step << ir::op_name(unary.op) << "(";
      }
      activation = activation.empty() ? step.str() + "x" : step.str() + activation;
      if (unary.op != ir::Op::Scale) activation += ")";
      next = only_user(users, *next);
    }
    info.layers.push_back({constant_name(graph, node.inputs[1]), weight.shape, bias,
                           activation.empty() ? "linear" : activation});
  }
  info.parameters = ir::parameter_count(graph);
  info.macs_per_point = ir::matmul_macs_per_point(graph);
  info.ops = ir::op_histogram(graph);
  return info;
}

void export_model(const ir::Graph& graph, const std::string& path) { models::export_onnx(graph, path); }

}  // namespace inrarch
