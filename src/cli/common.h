// Helpers every subcommand shares: loading the model and the points named by the common flags.
#pragma once

#include <string>
#include <utility>

#include "apps/fit.h"
#include "apps/image.h"
#include "autodiff/derive.h"
#include "cli/commands.h"
#include "ir/graph.h"
#include "ir/tensor.h"

namespace inrarch::cli {

ir::DType parse_dtype(const std::string& text);
// --method taylor | nested.
autodiff::Method parse_method(const std::string& text);
// The optimized graph of every derivative up to `order` (0: the forward model itself) by `method`,
// with the default layout: what the FPGA commands lower.
ir::Graph optimized_derivatives(const ir::Graph& forward, int order, const std::string& method);
ir::Graph load(const ModelOptions& options);
// The points of --points or --grid, checked against the model's coordinate dimension `dims`.
Tensor load_points(const PointOptions& options, int64_t dims);
// --size HxW of an image, each side at least 2: {height, width}.
std::pair<int64_t, int64_t> parse_image_size(const std::string& text);
// A SIREN fitted to `image` on the fast engine, with a progress bar named `label` showing PSNR.
apps::FitResult fit_image(const apps::Image& image, const apps::FitOptions& options, int threads,
                          const std::string& label);

}  // namespace inrarch::cli

namespace inrarch::cli {

// Evaluates the graph's first output on `points` (fed to input `input_name`) in chunks of points,
// with a progress bar, and stacks the chunks along the point axis. The fast engine computes in the
// graph's dtype; the reference evaluator always in f64.
Tensor evaluate_points(const ir::Graph& graph, const std::string& input_name, const Tensor& points,
                       const ExecutionOptions& execution, const std::string& label);

}  // namespace inrarch::cli
