#include <cstdio>

#include "autodiff/derive.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "models/npy.h"

namespace inrarch::cli {

int run_eval(const EvalOptions& options) {
  const ir::Graph graph = load(options.model);
  const ir::NodeId coords = autodiff::coordinate_input(graph, "");
  const ir::Node& input = graph.node(coords);
  const Tensor points = load_points(options.points, input.shape[1]);
  const Tensor values = evaluate_points(graph, input.attrs.name, points, options.execution, "eval");
  models::write_npy(options.output, values, input.dtype);
  std::printf("wrote %s %s\n", options.output.c_str(), ir::shape_string(values.shape).c_str());
  return 0;
}

}  // namespace inrarch::cli
