#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "autodiff/derive.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "models/npy.h"
#include "passes/pipeline.h"
#include "util/error.h"

namespace inrarch::cli {
namespace {

autodiff::DeriveSpec parse_spec(int order, const std::string& method, const std::string& layout, int insp_calls) {
  autodiff::DeriveSpec spec;
  spec.order = order;
  spec.method = parse_method(method);
  if (layout == "unique") {
    spec.layout = autodiff::Layout::Unique;
  } else if (layout == "insp") {
    spec.layout = autodiff::Layout::Insp;
  } else {
    throw UserError("--layout " + layout + ": expected unique or insp");
  }
  if (insp_calls < 1 || insp_calls > 1023) throw UserError("--insp-calls must be from 1 to 1023");
  spec.insp_calls = insp_calls;
  return spec;
}

std::string sidecar_path(const std::string& npy_path) {
  const auto dot = npy_path.rfind(".npy");
  return (dot != std::string::npos && dot + 4 == npy_path.size() ? npy_path.substr(0, dot) : npy_path) + ".json";
}

struct GraphSummary {
  size_t nodes = 0;
  int matmuls = 0;
  int64_t macs = 0;
};

GraphSummary summarize(const ir::Graph& graph) {
  GraphSummary summary;
  summary.nodes = graph.size();
  for (const auto& node : graph.nodes()) summary.matmuls += node.op == ir::Op::MatMul;
  summary.macs = ir::matmul_macs_per_point(graph);
  return summary;
}

}  // namespace

int run_grad(const GradOptions& options) {
  const ir::Graph forward = load(options.model);
  const auto spec = parse_spec(options.order, options.method, options.layout, options.insp_calls);
  const ir::NodeId coords = autodiff::coordinate_input(forward, "");
  const ir::Node& input = forward.node(coords);
  const Tensor points = load_points(options.points, input.shape[1]);
  const ir::Graph optimized = passes::optimize(autodiff::derive(forward, spec));
  const Tensor values = evaluate_points(optimized, input.attrs.name, points, options.execution, "grad");
  models::write_npy(options.output, values, input.dtype);

  const int dims = static_cast<int>(input.shape[1]);
  nlohmann::json sidecar;
  sidecar["model"] = options.model.model;
  sidecar["order"] = options.order;
  sidecar["dims"] = dims;
  sidecar["method"] = options.method;
  sidecar["layout"] = options.layout;
  sidecar["shape"] = values.shape;
  sidecar["axes"] = {"point", "channel", "derivative"};
  if (spec.layout == autodiff::Layout::Unique) {
    sidecar["values"] = "true partial derivatives d^alpha f_c";
    for (const auto& alpha : autodiff::multi_indices(dims, options.order)) {
      sidecar["multi_indices"].push_back(alpha);
      sidecar["names"].push_back(autodiff::multi_index_name(alpha));
    }
  } else {
    sidecar["values"] = "INSP-Net features: BFS over ordered partials, each grad call scaled by 1/189";
    sidecar["insp_calls"] = options.insp_calls;
  }
  std::ofstream(sidecar_path(options.output)) << sidecar.dump(2) << "\n";
  std::printf("wrote %s %s and %s\n", options.output.c_str(), ir::shape_string(values.shape).c_str(),
              sidecar_path(options.output).c_str());
  return 0;
}

int run_graph(const GraphOptions& options) {
  const ir::Graph forward = load(options.model);
  const auto spec = parse_spec(options.order, options.method, options.layout, options.insp_calls);
  const ir::Graph derived = autodiff::derive(forward, spec);
  passes::PipelineOptions pipeline;
  std::stringstream names(options.print_after);
  for (std::string name; std::getline(names, name, ',');) {
    if (!name.empty()) pipeline.print_after.insert(name);
  }
  pipeline.print_to = &std::cout;
  const ir::Graph optimized = passes::optimize(derived, pipeline);

  const auto print_histogram = [](const char* label, const ir::Graph& graph) {
    const GraphSummary summary = summarize(graph);
    std::printf("%-7s nodes=%zu matmuls=%d MACs/point=%lld\n        ops:", label, summary.nodes, summary.matmuls,
                static_cast<long long>(summary.macs));
    for (const auto& [name, count] : ir::op_histogram(graph)) std::printf(" %s=%d", name.c_str(), count);
    std::printf("\n");
  };
  std::printf("%s order %d, %s mode\n", options.model.model.c_str(), options.order, options.method.c_str());
  print_histogram("forward", forward);
  print_histogram("derived", derived);
  print_histogram("passes", optimized);

  if (options.stats) {
    const int64_t forward_macs = ir::matmul_macs_per_point(forward);
    const int dims = static_cast<int>(forward.node(autodiff::coordinate_input(forward, "")).shape[1]);
    std::printf("\n%-5s | %-6s | %8s | %7s | %12s | %8s | %s\n", "order", "method", "nodes", "matmuls", "MACs/point",
                "xforward", "Taylor bound C(n+d,d)x1.1");
    for (int order = 1; order <= options.order; ++order) {
      for (const char* method : {"taylor", "nested"}) {
        const auto table_spec = parse_spec(order, method, "unique", options.insp_calls);
        const auto start = std::chrono::steady_clock::now();
        const GraphSummary summary = summarize(passes::optimize(autodiff::derive(forward, table_spec)));
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double ratio = static_cast<double>(summary.macs) / static_cast<double>(forward_macs);
        const double bound = 1.1 * autodiff::multi_index_count(dims, order);
        std::printf("%-5d | %-6s | %8zu | %7d | %12lld | %8.2f | %s (built in %.2fs)\n", order, method, summary.nodes,
                    summary.matmuls, static_cast<long long>(summary.macs), ratio,
                    std::string(method) == "taylor" ? (ratio <= bound ? "within" : "EXCEEDED") : "-", seconds);
      }
    }
  }
  if (!options.dot.empty()) {
    std::ofstream dot(options.dot);
    if (!dot) throw UserError(options.dot + ": cannot open for writing");
    dot << ir::to_dot(optimized);
    std::printf("wrote %s\n", options.dot.c_str());
  }
  return 0;
}

}  // namespace inrarch::cli
