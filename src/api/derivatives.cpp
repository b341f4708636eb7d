// include/inrarch/derivatives.h: derivative graphs, and running them on points.
#include "inrarch/derivatives.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "autodiff/derive.h"
#include "exec/engine/engine.h"
#include "exec/reference.h"
#include "models/npy.h"
#include "models/points.h"
#include "passes/pipeline.h"
#include "util/progress.h"

namespace inrarch {
namespace {

autodiff::Method parse_method(const std::string& text) {
  if (text == "taylor") return autodiff::Method::Taylor;
  if (text == "nested") return autodiff::Method::Nested;
  throw UserError("--method " + text + ": expected taylor or nested");
}

autodiff::DeriveSpec parse_spec(const DerivativeOptions& options) {
  autodiff::DeriveSpec spec;
  spec.order = options.order;
  spec.method = parse_method(options.method);
  if (options.layout == "unique") {
    spec.layout = autodiff::Layout::Unique;
  } else if (options.layout == "insp") {
    spec.layout = autodiff::Layout::Insp;
  } else {
    throw UserError("--layout " + options.layout + ": expected unique or insp");
  }
  if (options.insp_calls < 1 || options.insp_calls > 1023) throw UserError("--insp-calls must be from 1 to 1023");
  spec.insp_calls = options.insp_calls;
  return spec;
}

std::string sidecar_path(const std::string& npy_path) {
  const auto dot = npy_path.rfind(".npy");
  return (dot != std::string::npos && dot + 4 == npy_path.size() ? npy_path.substr(0, dot) : npy_path) + ".json";
}

GraphSummary summarize(const ir::Graph& graph) {
  GraphSummary summary;
  summary.nodes = graph.size();
  for (const auto& node : graph.nodes()) summary.matmuls += node.op == ir::Op::MatMul;
  summary.macs = ir::matmul_macs_per_point(graph);
  summary.ops = ir::op_histogram(graph);
  return summary;
}

}  // namespace

ir::Graph derivative_graph(const ir::Graph& forward, const DerivativeOptions& options) {
  if (options.order == 0) return passes::optimize(forward);
  return passes::optimize(autodiff::derive(forward, parse_spec(options)));
}

CoordinateInput coordinate_input(const ir::Graph& model) {
  const ir::Node& input = model.node(autodiff::coordinate_input(model, ""));
  return {input.attrs.name, input.shape[1]};
}

std::vector<std::vector<int>> multi_indices(int dims, int order) { return autodiff::multi_indices(dims, order); }

std::vector<std::string> multi_index_names(int dims, int order) {
  std::vector<std::string> names;
  for (const auto& alpha : autodiff::multi_indices(dims, order)) names.push_back(autodiff::multi_index_name(alpha));
  return names;
}

struct Evaluator::Impl {
  const ir::Graph graph;
  std::string input;
  int64_t dims = 0;
  ExecutionOptions execution;
  std::optional<exec::Engine> engine;
  std::mutex running;  // the engine's arenas are reused between runs
};

Evaluator::Evaluator(const ir::Graph& graph, const ExecutionOptions& execution)
    : impl_(new Impl{graph, {}, 0, execution, std::nullopt, {}}) {
  if (execution.engine != "fast" && execution.engine != "reference") {
    throw UserError("--engine " + execution.engine + ": expected fast or reference");
  }
  if (execution.threads < 0) throw UserError("--threads must be 0 (all cores) or more");
  const CoordinateInput input = coordinate_input(graph);
  impl_->input = input.name;
  impl_->dims = input.dims;
  if (execution.engine == "fast") {
    exec::EngineOptions options;
    options.dtype = graph.node(graph.outputs().at(0).node).dtype;
    options.threads = execution.threads;
    impl_->engine.emplace(exec::Engine::compile(graph, options));
  }
}

Evaluator::~Evaluator() = default;
Evaluator::Evaluator(Evaluator&&) noexcept = default;
Evaluator& Evaluator::operator=(Evaluator&&) noexcept = default;

int64_t Evaluator::dims() const { return impl_->dims; }

std::vector<int64_t> Evaluator::output_shape(int64_t points) const {
  std::vector<int64_t> shape = impl_->graph.node(impl_->graph.outputs().at(0).node).shape;
  for (auto& dim : shape) dim = dim == ir::kBatch ? points : dim;
  return shape;
}

void Evaluator::run(const PointsView& points, const ValuesView& values,
                    const std::function<void(int64_t done, int64_t total)>& on_chunk) {
  const int64_t dims = impl_->dims;
  const size_t given = points.f32.empty() ? points.f64.size() : points.f32.size();
  if (points.dims != dims || given % static_cast<size_t>(std::max<int64_t>(dims, 1)) != 0) {
    throw UserError("points must have shape [P, " + std::to_string(dims) + "], got " + std::to_string(points.dims) +
                    " coordinates per point");
  }
  const int64_t count = static_cast<int64_t>(given) / dims;
  const int64_t per_point = Tensor::count(output_shape(1));
  const size_t room = values.f32.empty() ? values.f64.size() : values.f32.size();
  if (static_cast<int64_t>(room) != count * per_point) {
    throw std::logic_error("Evaluator::run: the output holds " + std::to_string(room) + " values, not " +
                           std::to_string(count * per_point));
  }
  const std::lock_guard lock(impl_->running);
  // Chunks bound the copy of the points into the engine's input and pace progress and
  // interruption; the engine tiles and parallelises inside each one.
  const int64_t chunk_points = impl_->engine ? 16384 : 1024;
  for (int64_t start = 0; start < count; start += chunk_points) {
    const int64_t size = std::min(chunk_points, count - start);
    Tensor chunk({size, dims});
    const size_t first = static_cast<size_t>(start * dims);
    for (size_t i = 0; i < chunk.data.size(); ++i) {
      chunk.data[i] = points.f32.empty() ? points.f64[first + i] : static_cast<double>(points.f32[first + i]);
      if (!std::isfinite(chunk.data[i])) {
        throw UserError("point " + std::to_string(start + static_cast<int64_t>(i) / dims) +
                        " has a coordinate that is not finite (" + std::to_string(chunk.data[i]) + ")");
      }
    }
    const std::map<std::string, Tensor> inputs{{impl_->input, std::move(chunk)}};
    const Tensor out = impl_->engine ? impl_->engine->run(inputs).at(0)
                                     : exec::evaluate_reference(impl_->graph, inputs).at(0);
    const size_t offset = static_cast<size_t>(start * per_point);
    if (values.f32.empty()) {
      std::copy(out.data.begin(), out.data.end(), values.f64.begin() + static_cast<std::ptrdiff_t>(offset));
    } else {
      std::transform(out.data.begin(), out.data.end(), values.f32.begin() + static_cast<std::ptrdiff_t>(offset),
                     [](double value) { return static_cast<float>(value); });
    }
    if (on_chunk) on_chunk(start + size, count);
  }
}

Tensor Evaluator::run(const Tensor& points, const std::string& label) {
  const int64_t count = points.shape.at(0);
  Tensor values(output_shape(count));
  Progress progress(label, count);
  run({.f64 = points.data, .dims = points.shape.size() == 2 ? points.shape[1] : 0}, {.f64 = values.data},
      [&](int64_t done, int64_t) { progress.update(done); });
  progress.finish();
  return values;
}

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

EvalResult eval(const EvalOptions& options) {
  const ir::Graph graph = load_model(options.model);
  const Tensor points = load_points(options.points, coordinate_input(graph).dims);
  const Tensor values = Evaluator(graph, options.execution).run(points, "eval");
  models::write_npy(options.output, values, parse_dtype(options.model.dtype));
  return {values.shape};
}

GradResult grad(const GradOptions& options) {
  const ir::Graph forward = load_model(options.model);
  const auto spec = parse_spec(options.derivatives);
  const CoordinateInput input = coordinate_input(forward);
  const Tensor points = load_points(options.points, input.dims);
  const ir::Graph optimized = passes::optimize(autodiff::derive(forward, spec));
  const Tensor values = Evaluator(optimized, options.execution).run(points, "grad");
  models::write_npy(options.output, values, parse_dtype(options.model.dtype));

  const int dims = static_cast<int>(input.dims);
  nlohmann::json sidecar;
  sidecar["model"] = options.model.model;
  sidecar["order"] = options.derivatives.order;
  sidecar["dims"] = dims;
  sidecar["method"] = options.derivatives.method;
  sidecar["layout"] = options.derivatives.layout;
  sidecar["shape"] = values.shape;
  sidecar["axes"] = {"point", "channel", "derivative"};
  if (spec.layout == autodiff::Layout::Unique) {
    sidecar["values"] = "true partial derivatives d^alpha f_c";
    sidecar["multi_indices"] = multi_indices(dims, options.derivatives.order);
    sidecar["names"] = multi_index_names(dims, options.derivatives.order);
  } else {
    sidecar["values"] = "INSP-Net features: BFS over ordered partials, each grad call scaled by 1/189";
    sidecar["insp_calls"] = options.derivatives.insp_calls;
  }
  const std::string sidecar_file = sidecar_path(options.output);
  std::ofstream(sidecar_file) << sidecar.dump(2) << "\n";
  return {values.shape, sidecar_file};
}

GraphReport graph(const GraphOptions& options) {
  const ir::Graph forward = load_model(options.model);
  const ir::Graph derived = autodiff::derive(forward, parse_spec(options.derivatives));
  passes::PipelineOptions pipeline;
  std::stringstream names(options.print_after);
  for (std::string name; std::getline(names, name, ',');) {
    if (!name.empty()) pipeline.print_after.insert(name);
  }
  pipeline.print_to = options.print_to;
  const ir::Graph optimized = passes::optimize(derived, pipeline);
  GraphReport report{summarize(forward), summarize(derived), summarize(optimized), {}};

  if (options.stats) {
    const int64_t forward_macs = ir::matmul_macs_per_point(forward);
    const int dims = static_cast<int>(coordinate_input(forward).dims);
    for (int order = 1; order <= options.derivatives.order; ++order) {
      for (const char* method : {"taylor", "nested"}) {
        const auto table_spec = parse_spec({order, method, "unique", options.derivatives.insp_calls});
        const auto start = std::chrono::steady_clock::now();
        GraphStatsRow row{order, method, summarize(passes::optimize(autodiff::derive(forward, table_spec))), 0, true, 0};
        row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        row.times_forward = static_cast<double>(row.summary.macs) / static_cast<double>(forward_macs);
        row.within_bound = row.method != "taylor" || row.times_forward <= 1.1 * autodiff::multi_index_count(dims, order);
        report.stats.push_back(std::move(row));
      }
    }
  }
  if (!options.dot.empty()) {
    std::ofstream dot(options.dot);
    if (!dot) throw UserError(options.dot + ": cannot open for writing");
    dot << ir::to_dot(optimized);
  }
  return report;
}

}  // namespace inrarch
