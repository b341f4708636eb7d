#include "cli/common.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>

#include "apps/engine_runner.h"
#include "models/model.h"
#include "passes/pipeline.h"
#include "models/npy.h"
#include "models/points.h"
#include "exec/engine/engine.h"
#include "exec/reference.h"
#include "util/error.h"
#include "util/progress.h"

namespace inrarch::cli {

ir::DType parse_dtype(const std::string& text) {
  if (text == "f32") return ir::DType::F32;
  if (text == "f64") return ir::DType::F64;
  throw UserError("--dtype " + text + ": expected f32 or f64");
}

autodiff::Method parse_method(const std::string& text) {
  if (text == "taylor") return autodiff::Method::Taylor;
  if (text == "nested") return autodiff::Method::Nested;
  throw UserError("--method " + text + ": expected taylor or nested");
}

ir::Graph optimized_derivatives(const ir::Graph& forward, int order, const std::string& method) {
  if (order == 0) return passes::optimize(forward);
  autodiff::DeriveSpec spec;
  spec.order = order;
  spec.method = parse_method(method);
  return passes::optimize(autodiff::derive(forward, spec));
}

ir::Graph load(const ModelOptions& options) { return models::load_model(options.model, parse_dtype(options.dtype)); }

Tensor load_points(const PointOptions& options, int64_t dims) {
  if (options.points.empty() == options.grid.empty()) throw UserError("give exactly one of --points FILE.npy or --grid HxW");
  if (!options.grid.empty()) {
    const auto sizes = models::parse_grid(options.grid);
    if (static_cast<int64_t>(sizes.size()) != dims) {
      throw UserError("--grid " + options.grid + " has " + std::to_string(sizes.size()) +
                      " axes but the model takes " + std::to_string(dims) + "-d coordinates");
    }
    return models::grid_points(sizes);
  }
  Tensor points = models::read_npy(options.points);
  if (points.shape.size() != 2 || points.shape[1] != dims) {
    throw UserError(options.points + ": points must have shape [P, " + std::to_string(dims) + "], got " +
                    ir::shape_string(points.shape));
  }
  return points;
}

}  // namespace inrarch::cli

namespace inrarch::cli {

Tensor evaluate_points(const ir::Graph& graph, const std::string& input_name, const Tensor& points,
                       const ExecutionOptions& execution, const std::string& label) {
  if (execution.engine != "fast" && execution.engine != "reference") {
    throw UserError("--engine " + execution.engine + ": expected fast or reference");
  }
  if (execution.threads < 0) throw UserError("--threads must be 0 (all cores) or more");
  std::function<Tensor(const Tensor&)> run_chunk;
  std::optional<exec::Engine> engine;
  if (execution.engine == "fast") {
    exec::EngineOptions options;
    options.dtype = graph.node(graph.outputs().at(0).node).dtype;
    options.threads = execution.threads;
    engine.emplace(exec::Engine::compile(graph, options));
    run_chunk = [&](const Tensor& chunk) { return engine->run({{input_name, chunk}}).at(0); };
  } else {
    run_chunk = [&](const Tensor& chunk) { return exec::evaluate_reference(graph, {{input_name, chunk}}).at(0); };
  }
  // Chunks only pace the progress bar; the engine tiles and parallelises inside each one.
  const int64_t chunk_points = execution.engine == "fast" ? 16384 : 1024;
  const int64_t count = points.shape[0];
  const int64_t dims = points.shape[1];
  Progress progress(label, count);
  Tensor result;
  for (int64_t start = 0; start < count; start += chunk_points) {
    const int64_t size = std::min(chunk_points, count - start);
    const Tensor chunk({size, dims}, std::vector<double>(points.data.begin() + start * dims,
                                                         points.data.begin() + (start + size) * dims));
    const Tensor out = run_chunk(chunk);
    if (result.shape.empty()) {
      result.shape = out.shape;
      result.shape[0] = count;
      result.data.reserve(static_cast<size_t>(Tensor::count(result.shape)));
    }
    result.data.insert(result.data.end(), out.data.begin(), out.data.end());
    progress.update(start + size);
  }
  progress.finish();
  return result;
}

std::pair<int64_t, int64_t> parse_image_size(const std::string& text) {
  const auto sizes = models::parse_grid(text);
  if (sizes.size() != 2 || sizes[0] < 2 || sizes[1] < 2) throw UserError("--size " + text + ": expected HxW, each at least 2");
  return {sizes[0], sizes[1]};
}

apps::FitResult fit_image(const apps::Image& image, const apps::FitOptions& options, int threads,
                          const std::string& label) {
  Progress progress(label, options.steps);
  char detail[64];
  const auto on_step = [&](int step, double, double psnr) {
    std::snprintf(detail, sizeof detail, "batch PSNR %.2f dB", psnr);
    progress.update(step, detail);
  };
  const apps::FitResult result =
      apps::fit_siren(models::grid_points({image.height, image.width}), apps::image_to_tensor(image), options, on_step,
                      apps::engine_runner_factory({.dtype = ir::DType::F32, .threads = threads}));
  std::snprintf(detail, sizeof detail, "image PSNR %.2f dB", result.psnr);
  progress.finish(detail);
  return result;
}

}  // namespace inrarch::cli
