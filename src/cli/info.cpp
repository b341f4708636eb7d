#include <cstdio>
#include <sstream>

#include "cli/commands.h"
#include "cli/common.h"
#include "models/onnx_export.h"

namespace inrarch::cli {
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

}  // namespace

int run_info(const InfoOptions& options) {
  const ir::Graph graph = load(options.model);
  std::printf("model: %s\n", options.model.model.c_str());
  for (ir::NodeId id : graph.inputs()) {
    const auto& node = graph.node(id);
    std::printf("input  %-12s %s%s\n", node.attrs.name.c_str(), ir::dtype_name(node.dtype).c_str(),
                ir::shape_string(node.shape).c_str());
  }
  for (const auto& output : graph.outputs()) {
    const auto& node = graph.node(output.node);
    std::printf("output %-12s %s%s\n", output.name.c_str(), ir::dtype_name(node.dtype).c_str(),
                ir::shape_string(node.shape).c_str());
  }

  std::vector<std::vector<ir::NodeId>> users(graph.size());
  for (size_t i = 0; i < graph.size(); ++i) {
    for (ir::NodeId input : graph.nodes()[i].inputs) users[static_cast<size_t>(input)].push_back(static_cast<ir::NodeId>(i));
  }
  std::printf("\n%-5s %-22s %-12s %-22s %s\n", "layer", "weight", "shape", "bias", "activation");
  int layer = 0;
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
    std::printf("%-5d %-22s %-12s %-22s %s\n", layer++, constant_name(graph, node.inputs[1]).c_str(),
                ir::shape_string(weight.shape).c_str(), bias.c_str(), activation.empty() ? "linear" : activation.c_str());
  }
  std::printf("\nparameters: %lld\nmatmul MACs per point: %lld\nops:",
              static_cast<long long>(ir::parameter_count(graph)),
              static_cast<long long>(ir::matmul_macs_per_point(graph)));
  for (const auto& [name, count] : ir::op_histogram(graph)) std::printf(" %s=%d", name.c_str(), count);
  std::printf("\n");
  return 0;
}

int run_export(const ExportOptions& options) {
  models::export_onnx(load(options.model), options.output);
  std::printf("wrote %s\n", options.output.c_str());
  return 0;
}

}  // namespace inrarch::cli
