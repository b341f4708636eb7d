// The public API, part 2: evaluating a model and all its partial derivatives at points, on the
// fast CPU engine or the f64 reference evaluator, and the derivative graph itself.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "inrarch/model.h"
#include "ir/graph.h"
#include "ir/tensor.h"

namespace inrarch {

struct DerivativeOptions {
  int order = 1;                   // 0: the forward model itself
  std::string method = "taylor";   // taylor | nested
  std::string layout = "unique";   // unique | insp
  int insp_calls = 31;             // layout insp: grad calls of INSP-Net's loop
};

// The optimized graph of every derivative up to `options.order` (0: the optimized forward model).
// Its one output is [P, channels, M] (layout unique: M = C(order + d, d)).
ir::Graph derivative_graph(const ir::Graph& forward, const DerivativeOptions& options);

// The coordinate input of a model: its only [P, d] input.
struct CoordinateInput {
  std::string name;
  int64_t dims = 0;
};
CoordinateInput coordinate_input(const ir::Graph& model);

// The multi-indices of layout unique in graded lexicographic order, and their names as the .json
// sidecar of `inrarch grad` lists them (f, f_x, f_y, f_xx, ...).
std::vector<std::vector<int>> multi_indices(int dims, int order);
std::vector<std::string> multi_index_names(int dims, int order);

// Which executor runs the graph: the fast engine (default) or the f64 reference evaluator (the
// oracle, slow).
struct ExecutionOptions {
  std::string engine = "fast";  // fast | reference
  int threads = 0;              // 0: all cores
};

// Points [count, dims] in caller-owned memory, float or double; read in place, chunk by chunk.
struct PointsView {
  std::span<const float> f32 = {};  // exactly one of the two is non-empty
  std::span<const double> f64 = {};
  int64_t dims = 0;
};
// Where the values go: caller-owned memory of Evaluator::output_shape(count), float or double.
struct ValuesView {
  std::span<float> f32 = {};  // exactly one of the two is non-empty
  std::span<double> f64 = {};
};

// A graph compiled once for an executor and run on any number of points, in chunks: `on_chunk`
// (if set) is called after each with the points done so far, and may throw to stop the run (the
// Python module raises KeyboardInterrupt there). Runs on one Evaluator are serialized.
class Evaluator {
 public:
  // The graph's first output, fed at the model's coordinate input. The fast engine computes in the
  // graph's dtype; the reference evaluator always in f64.
  Evaluator(const ir::Graph& graph, const ExecutionOptions& execution);
  ~Evaluator();
  Evaluator(Evaluator&&) noexcept;
  Evaluator& operator=(Evaluator&&) noexcept;

  int64_t dims() const;
  std::vector<int64_t> output_shape(int64_t points) const;
  // Throws UserError if the sizes disagree or a coordinate is not finite.
  void run(const PointsView& points, const ValuesView& values,
           const std::function<void(int64_t done, int64_t total)>& on_chunk = {});
  // The same on a Tensor, with a progress bar named `label` on stderr.
  Tensor run(const Tensor& points, const std::string& label);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The points of `inrarch eval` and `grad`: an .npy file or a regular grid over [-1, 1]^d.
struct PointOptions {
  std::string points;  // .npy [P, d]
  std::string grid;    // "W", "HxW" or "DxHxW"
};
// Checked against the model's coordinate dimension `dims`.
Tensor load_points(const PointOptions& options, int64_t dims);

struct EvalOptions {
  ModelOptions model;
  PointOptions points;
  ExecutionOptions execution;
  std::string output;  // .npy [P, channels]
};
struct EvalResult {
  std::vector<int64_t> shape;
};
EvalResult eval(const EvalOptions& options);

struct GradOptions {
  ModelOptions model;
  PointOptions points;
  ExecutionOptions execution;
  DerivativeOptions derivatives;
  std::string output;  // .npy [P, channels, M], and a .json sidecar naming the multi-indices
};
struct GradResult {
  std::vector<int64_t> shape;
  std::string sidecar;  // path of the .json
};
GradResult grad(const GradOptions& options);

struct GraphOptions {
  ModelOptions model;
  DerivativeOptions derivatives;
  bool stats = false;        // also the size and MACs/point for orders 1..n, both methods
  std::string dot;           // write the optimized graph as Graphviz dot here
  std::string print_after;   // comma-separated pass names or "all": dumps go to `print_to`
  std::ostream* print_to = nullptr;
};
struct GraphSummary {
  size_t nodes = 0;
  int matmuls = 0;
  int64_t macs = 0;  // per point
  std::vector<std::pair<std::string, int>> ops;
};
struct GraphStatsRow {
  int order = 0;
  std::string method;
  GraphSummary summary;
  double times_forward = 0;  // MACs against the forward model's
  bool within_bound = true;  // taylor: MACs within 1.1 C(n+d, d) x the forward's
  double seconds = 0;        // to build and optimize
};
struct GraphReport {
  GraphSummary forward, derived, optimized;
  std::vector<GraphStatsRow> stats;
};
GraphReport graph(const GraphOptions& options);

}  // namespace inrarch
