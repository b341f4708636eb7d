#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "autodiff/derive.h"
#include "dataflow/lower.h"
#include "exec/reference.h"
#include "hls/codegen.h"
#include "hls/include/inrarch_hls/fixed.h"
#include "hls/taylor_sine_table.h"
#include "hls_test_graphs.h"
#include "models/siren.h"
#include "passes/pipeline.h"
#include "test_files.h"

namespace inrarch {
namespace {

namespace fs = std::filesystem;

using testing::CommandResult;
using testing::run_command;

std::vector<double> read_values(const fs::path& file) {
  std::ifstream in(file);
  std::vector<double> values;
  for (double v; in >> v;) values.push_back(v);
  return values;
}

// A generated project in a scratch directory, compiled quickly (-O1) and strictly (-Werror).
class Project {
 public:
  Project(const std::string& name, const ir::Graph& graph, const dataflow::LowerOptions& lowering,
          const hls::ProjectOptions& options)
      : directory_(fs::temp_directory_path() / ("inrarch_hls_test_" + name + "_" + std::to_string(getpid()))),
        graph_(graph),
        network_(dataflow::lower(graph, lowering)) {
    fs::remove_all(directory_);
    range_warnings_ = hls::write_project(graph, network_, options, directory_);
  }
  ~Project() {
    if (!::testing::Test::HasFailure()) fs::remove_all(directory_);
  }

  void build() const {
    const CommandResult make =
        run_command("make -C " + directory_.string() + " csim OPT=-O1 WARNINGS='-Wall -Wextra -Wno-unknown-pragmas -Werror'");
    ASSERT_EQ(make.status, 0) << make.output;
  }
  CommandResult simulate(const std::string& arguments = "", const std::string& environment = "") const {
    return run_command("cd " + directory_.string() + " && " + environment + " ./csim_model " + arguments);
  }
  const fs::path& directory() const { return directory_; }
  const dataflow::Network& network() const { return network_; }
  const std::vector<std::string>& range_warnings() const { return range_warnings_; }

  // The testbench's inputs (as it wrote them) and, per output, the csim values next to the
  // reference evaluator's values on those inputs.
  std::map<std::string, Tensor> inputs() const {
    std::map<std::string, Tensor> result;
    for (ir::NodeId id : graph_.inputs()) {
      const ir::Node& node = graph_.node(id);
      const auto values = read_values(directory_ / ("csim_input_" + node.attrs.name + ".txt"));
      ir::Shape shape = node.shape;
      const int64_t points = static_cast<int64_t>(values.size()) / ir::element_count(shape);
      for (auto& dim : shape) dim = dim == ir::kBatch ? points : dim;
      result[node.attrs.name] = Tensor(shape, values);
    }
    return result;
  }
  struct Output {
    std::vector<double> csim;
    Tensor reference;
  };
  std::map<std::string, Output> outputs() const {
    const auto expected = exec::evaluate_reference(graph_, inputs());
    std::map<std::string, Output> result;
    for (size_t k = 0; k < graph_.outputs().size(); ++k) {
      const std::string& name = graph_.outputs()[k].name;
      result[name] = {read_values(directory_ / ("csim_output_" + name + ".txt")), expected[k]};
      EXPECT_EQ(result[name].csim.size(), expected[k].data.size()) << name;
    }
    return result;
  }

 private:
  fs::path directory_;
  const ir::Graph& graph_;
  dataflow::Network network_;
  std::vector<std::string> range_warnings_;
};

// The derivative order of each element of one point, per output ([N, C, M] derivative outputs,
// multi-indices in graded order); outputs not listed are order 0.
using Orders = std::map<std::string, std::vector<int>>;

int64_t per_point(const Tensor& reference) {
  return reference.shape.empty() ? 1 : reference.size() / reference.shape[0];
}

// Within each output and derivative order: max |csim - reference| <= tolerance * max(1, max |reference|).
void expect_close(const Project& project, double tolerance, const Orders& orders = {}) {
  for (const auto& [name, output] : project.outputs()) {
    std::map<int, std::pair<double, double>> by_order;  // order -> (max error, max |reference|)
    const int64_t elements = per_point(output.reference);
    for (size_t i = 0; i < output.csim.size(); ++i) {
      const auto found = orders.find(name);
      const int order = found == orders.end() ? 0 : found->second.at(i % static_cast<size_t>(elements));
      auto& [error, magnitude] = by_order[order];
      error = std::max(error, std::fabs(output.csim[i] - output.reference.data[i]));
      magnitude = std::max(magnitude, std::fabs(output.reference.data[i]));
    }
    for (const auto& [order, entry] : by_order) {
      EXPECT_LE(entry.first, tolerance * std::max(1.0, entry.second)) << name << " order " << order;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The fixed-point model against integer arithmetic written independently (floor division and
// modular reduction on plain integers instead of shifts and masks on 128-bit raws).

int64_t floor_div(int64_t a, int64_t b) { return (a - ((a % b) + b) % b) / b; }
int64_t wrap_bits(int64_t value, int bits) {
  const int64_t modulus = int64_t{1} << bits;
  const int64_t low = ((value % modulus) + modulus) % modulus;
  return low >= modulus / 2 ? low - modulus : low;
}

using Q8 = inrarch_hls::Fixed<8, 4>;  // 4 fraction bits, range [-8, 8)

TEST(HlsFixedPoint, ArithmeticOnEveryPairOfEightBitValues) {
  for (int64_t a = -128; a < 128; ++a) {
    for (int64_t b = -128; b < 128; ++b) {
      const Q8 x = Q8::from_raw(a), y = Q8::from_raw(b);
      ASSERT_EQ(static_cast<int64_t>(Q8(x + y).raw()), wrap_bits(a + b, 8)) << a << " + " << b;
      ASSERT_EQ(static_cast<int64_t>(Q8(x - y).raw()), wrap_bits(a - b, 8)) << a << " - " << b;
      // The product is exact (8 fraction bits); assigning truncates toward -inf, then wraps.
      ASSERT_EQ(static_cast<int64_t>(Q8(x * y).raw()), wrap_bits(floor_div(a * b, 16), 8)) << a << " * " << b;
      ASSERT_EQ((x * y).to_double(), static_cast<double>(a * b) / 256);
      if (b != 0) {  // the quotient keeps 4 fraction bits, integer division truncates toward zero
        ASSERT_EQ(static_cast<int64_t>(Q8(x / y).raw()), wrap_bits((a * 16) / b, 8)) << a << " / " << b;
      }
      ASSERT_EQ(x < y, a < b);
      ASSERT_EQ(x == y, a == b);
    }
    ASSERT_EQ(static_cast<int64_t>(Q8(-Q8::from_raw(a)).raw()), wrap_bits(-a, 8));
  }
}

TEST(HlsFixedPoint, ConversionFromDoubleTruncatesTowardMinusInfinityAndWraps) {
  // Every multiple of 1/64 in [-625, 625]: 2 bits below the LSB, 78 times the range.
  for (int64_t k = -40000; k <= 40000; ++k) {
    const double value = static_cast<double>(k) / 64;
    ASSERT_EQ(static_cast<int64_t>(Q8(value).raw()), wrap_bits(floor_div(k, 4), 8)) << value;
  }
  // Requantizing a finer format is the same rule.
  using Q16 = inrarch_hls::Fixed<16, 6>;  // 10 fraction bits
  for (int64_t raw = -32768; raw < 32768; raw += 7) {
    ASSERT_EQ(static_cast<int64_t>(Q8(Q16::from_raw(raw)).raw()), wrap_bits(floor_div(raw, 64), 8)) << raw;
  }
}

TEST(HlsFixedPoint, ApFixed32_10EdgeCases) {
  using Q = inrarch_hls::Fixed<32, 10>;
  const double lsb = std::ldexp(1.0, -22);
  const auto raw_of = [](double value) {
    // floor(value * 2^22) as an integer (exact: |value * 2^22| < 2^62 here), then two's
    // complement wrap to 32 bits through an unsigned cast.
    const auto scaled = static_cast<int64_t>(std::floor(std::ldexp(value, 22)));
    return static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(scaled))));
  };
  for (double value : {0.0, 0.1, -0.1, 1e-9, -1e-9, lsb, -lsb, 0.5 * lsb, -0.5 * lsb, 511.9999997615814, 512.0, 513.25,
                       -512.0, -512.0 - lsb, -700.125, 3.14159265358979, 1e12, -1e12, 123456.789}) {
    EXPECT_EQ(static_cast<int64_t>(Q(value).raw()), raw_of(value)) << value;
  }
  EXPECT_EQ(Q(512.0).to_double(), -512.0);
  EXPECT_EQ(Q(-1e-9).to_double(), -lsb);  // truncation toward -inf, not toward zero
  EXPECT_EQ(Q(1e-9).to_double(), 0.0);
  EXPECT_EQ(Q(Q(30.0) * Q(20.0)).to_double(), 600.0 - 1024.0);  // the product wraps on assignment
  // A multiply-accumulate keeps the product exact and truncates once, as acc = acc + x * w does.
  const Q acc = -0.3, x = 0.7, w = -0.9;
  const int64_t expected = wrap_bits(floor_div(static_cast<int64_t>(acc.raw()) * (int64_t{1} << 22) +
                                                   static_cast<int64_t>(x.raw()) * static_cast<int64_t>(w.raw()),
                                               int64_t{1} << 22),
                                     32);
  EXPECT_EQ(static_cast<int64_t>(Q(acc + x * w).raw()), expected);
}

// ---------------------------------------------------------------------------------------------
// Generated projects in C-simulation against the reference evaluator.

models::SirenSpec test_siren() {
  models::SirenSpec spec;
  spec.in = 2;
  spec.out = 3;
  spec.width = 16;
  spec.hidden = 2;
  spec.omega = 30;
  return spec;
}

hls::ProjectOptions project_options(const std::string& dtype, int64_t test_points) {
  hls::ProjectOptions options;
  options.number = hls::parse_number_format(dtype);
  options.model = "test";
  options.test_points = test_points;
  return options;
}

TEST(HlsCsim, ForwardSirenFloatMatchesTheReference) {
  const auto spec = test_siren();
  const ir::Graph graph = models::build_siren(spec, models::init_siren(spec));
  dataflow::LowerOptions lowering;
  lowering.tile_points = 8;
  const Project project("siren_float", graph, lowering, project_options("float", 20));  // 3 tiles, last partial
  project.build();
  const CommandResult csim = project.simulate();
  ASSERT_EQ(csim.status, 0) << csim.output;
  EXPECT_NE(csim.output.find("csim: PASS"), std::string::npos) << csim.output;
  expect_close(project, 1e-5);
}

// ---------------------------------------------------------------------------------------------
// A first-order running error bound for a design computed in ap_fixed<W, I> (u = 2^-F, F = W - I)
// by the generated kernels, per node and per position within a point (the maximum over the
// points), from the reference values of every node at the testbench's points:
//  - inputs and everything folded into constants (weights, biases, factors) are truncated once: u;
//  - moves (broadcast, slice, gather, concat, transpose, reshape), neg and relu add nothing;
//    a reduce sums its operands' bounds (sums are exact in one format);
//  - add/sub: e_a + e_b (exact); mul: |a| e_b + |b| e_a + e_a e_b + u (the product is exact,
//    assigning truncates); scale s: |s| e + (|x| + e) u + u (s itself is truncated);
//    div: (e_a + |a/b| e_b) / (|b| - e_b) + u;
//  - sin, cos, tanh are 1-Lipschitz, sigmoid 1/4-, exp exp(|x| + e)-Lipschitz: + u for the result;
//    step is exact unless the error could cross 0;
//  - matmul with weights W (K terms): |W|-weighted sum of the input bounds, + u per term for the
//    truncated weights times |a| + e_a, + K u for truncating the accumulator after every term.
// With AP_WRAP arithmetic is modulo 2^I, so the bound holds as long as every node's value (plus its
// bound) stays below 2^(I-1); `fits` reports that.
struct FixedBounds {
  std::vector<Tensor> bound;  // per node, shape with the points bound to 1
  bool fits = true;
  double largest = 0;  // the largest |value| of any node
};

// Evaluates `node` alone on the given operand tensors (each shaped like its operand, with the
// points bound to 1): the reference evaluator serves as the index arithmetic of moves and matmuls.
Tensor apply_alone(const ir::Graph& graph, const ir::Node& node, const std::vector<Tensor>& operands) {
  ir::Builder b(ir::DType::F64);
  std::vector<ir::NodeId> inputs;
  std::map<std::string, Tensor> values;
  for (size_t k = 0; k < operands.size(); ++k) {
    const std::string name = "o" + std::to_string(k);
    inputs.push_back(b.input(name, graph.node(node.inputs[k]).shape));
    values[name] = operands[k];
  }
  b.add_output("r", b.clone(node, inputs));
  return exec::evaluate_reference(b.finish(), values).at(0);
}

// Largest and smallest |value| over the points, per position within a point.
std::pair<Tensor, Tensor> magnitudes(const ir::Shape& node_shape, const Tensor& value) {
  ir::Shape shape = node_shape;
  int64_t pre = 1, points = 1, post = 1;
  bool after = false;
  for (size_t a = 0; a < shape.size(); ++a) {
    if (shape[a] == ir::kBatch) {
      points = value.shape[a];
      shape[a] = 1;
      after = true;
    } else {
      (after ? post : pre) *= shape[a];
    }
  }
  Tensor high(shape), low(shape, std::vector<double>(static_cast<size_t>(pre * post), INFINITY));
  for (int64_t p = 0; p < pre; ++p) {
    for (int64_t n = 0; n < points; ++n) {
      for (int64_t q = 0; q < post; ++q) {
        const double v = std::fabs(value.data[static_cast<size_t>((p * points + n) * post + q)]);
        high.data[static_cast<size_t>(p * post + q)] = std::max(high.data[static_cast<size_t>(p * post + q)], v);
        low.data[static_cast<size_t>(p * post + q)] = std::min(low.data[static_cast<size_t>(p * post + q)], v);
      }
    }
  }
  return {high, low};
}

// The bound of one elementwise node at one position (a, b: largest |operand|, la, lb: smallest).
double elementwise_bound(const ir::Node& node, double a, double la, double ea, double b, double lb, double eb,
                         double u) {
  switch (node.op) {
    case ir::Op::Neg:
    case ir::Op::Relu:
      return ea;
    case ir::Op::Scale:
      return std::fabs(node.attrs.scalar) * ea + (a + ea) * u + u;
    case ir::Op::Sin:
    case ir::Op::Cos:
    case ir::Op::Tanh:
      return ea + u;
    case ir::Op::Sigmoid:
      return ea / 4 + u;
    case ir::Op::Exp:
      return std::exp(a + ea) * ea + u;
    case ir::Op::Step:
      return la > ea ? 0.0 : 1.0;
    case ir::Op::Add:
    case ir::Op::Sub:
      return ea + eb;
    case ir::Op::Mul:
      return a * eb + b * ea + ea * eb + u;
    case ir::Op::Div:
      return lb > eb ? (ea + a / lb * eb) / (lb - eb) + u : INFINITY;
    default:
      ADD_FAILURE() << "no bound rule for " << ir::op_name(node.op);
      return INFINITY;
  }
}

FixedBounds fixed_point_bounds(const ir::Graph& graph, const std::map<std::string, Tensor>& inputs, int integer_bits,
                               int fraction_bits) {
  const double u = std::ldexp(1.0, -fraction_bits);
  ir::Builder everything(ir::DType::F64);
  std::vector<ir::NodeId> copy(graph.size());
  for (size_t i = 0; i < graph.size(); ++i) {
    std::vector<ir::NodeId> operands;
    for (ir::NodeId input : graph.nodes()[i].inputs) operands.push_back(copy[static_cast<size_t>(input)]);
    copy[i] = everything.clone(graph.nodes()[i], operands);
    everything.add_output(std::to_string(i), copy[i]);
  }
  const auto values = exec::evaluate_reference(everything.finish(), inputs);

  FixedBounds result;
  result.bound.resize(graph.size());
  std::vector<Tensor> high(graph.size()), low(graph.size());
  std::vector<bool> dynamic(graph.size());
  for (size_t i = 0; i < graph.size(); ++i) {
    const ir::Node& node = graph.nodes()[i];
    std::tie(high[i], low[i]) = magnitudes(node.shape, values[i]);
    dynamic[i] = node.op == ir::Op::Input;
    for (ir::NodeId input : node.inputs) dynamic[i] = dynamic[i] || dynamic[static_cast<size_t>(input)];
    const auto operand = [&](size_t k) { return static_cast<size_t>(node.inputs[k]); };
    Tensor& e = result.bound[i];
    e = Tensor(high[i].shape, std::vector<double>(high[i].data.size(), u));  // inputs and constants
    if (!dynamic[i] || node.op == ir::Op::Input) continue;
    if (node.op == ir::Op::MatMul) {
      Tensor magnitude = values[operand(1)], ones = values[operand(1)], reach = high[operand(0)];
      for (auto& v : magnitude.data) v = std::fabs(v);
      for (auto& v : ones.data) v = 1.0;
      for (size_t k = 0; k < reach.data.size(); ++k) reach.data[k] += result.bound[operand(0)].data[k];
      const Tensor propagated = apply_alone(graph, node, {result.bound[operand(0)], magnitude});
      const Tensor weight_error = apply_alone(graph, node, {reach, ones});
      const ir::Shape& a = graph.node(node.inputs[0]).shape;
      const auto terms = static_cast<double>(node.attrs.trans_a ? a[a.size() - 2] : a.back());
      for (size_t k = 0; k < e.data.size(); ++k) e.data[k] = propagated.data[k] + u * weight_error.data[k] + terms * u;
    } else if (ir::is_elementwise_unary(node.op) || ir::is_elementwise_binary(node.op)) {
      const bool binary = ir::is_elementwise_binary(node.op);
      for (size_t k = 0; k < e.data.size(); ++k) {
        const auto at = [&](const std::vector<Tensor>& t, size_t slot) { return t[operand(slot)].data[k]; };
        e.data[k] = elementwise_bound(node, at(high, 0), at(low, 0), at(result.bound, 0), binary ? at(high, 1) : 0,
                                      binary ? at(low, 1) : 0, binary ? at(result.bound, 1) : 0, u);
      }
    } else {  // moves and reductions act on bounds as on values
      std::vector<Tensor> operands;
      for (size_t k = 0; k < node.inputs.size(); ++k) operands.push_back(result.bound[operand(k)]);
      e = apply_alone(graph, node, operands);
    }
  }
  for (size_t i = 0; i < graph.size(); ++i) {
    for (size_t k = 0; k < high[i].data.size(); ++k) {
      result.largest = std::max(result.largest, high[i].data[k]);
      result.fits = result.fits && high[i].data[k] + result.bound[i].data[k] < std::ldexp(1.0, integer_bits - 1);
    }
  }
  return result;
}

// Every csim output element is within the running bound of its position; prints, per output and
// derivative order, the largest error next to the largest bound.
void expect_within_fixed_bounds(const Project& project, const ir::Graph& graph, const hls::NumberFormat& number,
                                const Orders& orders = {}) {
  const FixedBounds bounds =
      fixed_point_bounds(graph, project.inputs(), number.integer_bits, number.width - number.integer_bits);
  ASSERT_TRUE(bounds.fits) << "a value reaches " << bounds.largest << ": out of range for " << number.cpp_type();
  const auto outputs = project.outputs();
  for (const auto& output : graph.outputs()) {
    const auto& [csim, reference] = outputs.at(output.name);
    const Tensor& bound = bounds.bound[static_cast<size_t>(output.node)];
    const auto elements = static_cast<size_t>(per_point(reference));
    std::map<int, std::pair<double, double>> by_order;  // order -> (max error, max bound)
    for (size_t i = 0; i < csim.size(); ++i) {
      const double error = std::fabs(csim[i] - reference.data[i]);
      ASSERT_LE(error, bound.data[i % elements]) << output.name << "[" << i << "]";
      const auto found = orders.find(output.name);
      auto& [worst, allowed] = by_order[found == orders.end() ? 0 : found->second.at(i % elements)];
      worst = std::max(worst, error);
      allowed = std::max(allowed, bound.data[i % elements]);
    }
    for (const auto& [order, entry] : by_order) {
      std::printf("%s %s order %d: max error %.3e (bound %.3e)\n", number.cpp_type().c_str(), output.name.c_str(),
                  order, entry.first, entry.second);
    }
  }
}

TEST(HlsCsim, ForwardSirenFixedPointStaysWithinItsErrorBound) {
  const auto spec = test_siren();
  const ir::Graph graph = models::build_siren(spec, models::init_siren(spec));
  dataflow::LowerOptions lowering;
  lowering.tile_points = 8;
  const auto options = project_options("fixed32_10", 16);
  const Project project("siren_fixed", graph, lowering, options);
  project.build();
  const CommandResult csim = project.simulate();
  ASSERT_EQ(csim.status, 0) << csim.output;
  expect_within_fixed_bounds(project, graph, options.number);
  // The design really computed in fixed point: every output is a multiple of 2^-22.
  for (double value : read_values(project.directory() / "csim_output_output.txt")) {
    EXPECT_EQ(std::ldexp(value, 22), std::floor(std::ldexp(value, 22))) << value;
  }
}

TEST(HlsCsim, DerivativeShapedGraphMatchesTheReference) {
  const ir::Graph graph = testing::build_derivative_like();
  dataflow::LowerOptions lowering;
  lowering.tile_points = 4;
  const Project project("derivative_like", graph, lowering, project_options("float", 10));
  project.build();
  const CommandResult csim = project.simulate();
  ASSERT_EQ(csim.status, 0) << csim.output;
  expect_close(project, 1e-5);
}

// Derivative graphs of one SIREN by both methods (autodiff::derive, then passes::optimize),
// merged into one design so that one compilation covers them: an output per method and order,
// each [N, C, M] with every order up to its own.
struct DerivativeDesign {
  ir::Graph graph;
  Orders orders;
};

DerivativeDesign derivative_design(const models::SirenSpec& spec, const std::vector<int>& orders) {
  const ir::Graph forward = models::build_siren(spec, models::init_siren(spec));
  ir::Builder builder(ir::DType::F32);
  DerivativeDesign design;
  for (const auto method : {autodiff::Method::Taylor, autodiff::Method::Nested}) {
    for (int order : orders) {
      autodiff::DeriveSpec derive;
      derive.order = order;
      derive.method = method;
      const ir::Graph graph = passes::optimize(autodiff::derive(forward, derive));
      std::vector<ir::NodeId> copy(graph.size());
      for (size_t i = 0; i < graph.size(); ++i) {
        std::vector<ir::NodeId> operands;
        for (ir::NodeId input : graph.nodes()[i].inputs) operands.push_back(copy[static_cast<size_t>(input)]);
        copy[i] = builder.clone(graph.nodes()[i], operands);
      }
      const std::string name = (method == autodiff::Method::Taylor ? "taylor" : "nested") + std::to_string(order);
      builder.add_output(name, copy[static_cast<size_t>(graph.outputs().at(0).node)]);
      for (int c = 0; c < spec.out; ++c) {
        for (const auto& alpha : autodiff::multi_indices(spec.in, order))
          design.orders[name].push_back(autodiff::degree(alpha));
      }
    }
  }
  design.graph = builder.finish();
  return design;
}

TEST(HlsCsim, DerivativeGraphsOfBothMethodsMatchTheReferenceInFloat) {
  auto spec = test_siren();
  spec.width = 12;
  const auto design = derivative_design(spec, {1, 3});
  dataflow::LowerOptions lowering;
  lowering.tile_points = 4;
  auto options = project_options("float", 8);
  options.element_orders = design.orders;
  const Project project("derivatives_float", design.graph, lowering, options);
  project.build();
  const CommandResult csim = project.simulate();
  ASSERT_EQ(csim.status, 0) << csim.output;
  expect_close(project, 1e-5, design.orders);
}

// Both methods' order-3 graphs of a width-12 SIREN with this omega, lowered in tiles of 4 points.
DerivativeDesign order3_design(double omega) {
  auto spec = test_siren();
  spec.width = 12;
  spec.omega = omega;
  return derivative_design(spec, {3});
}

dataflow::LowerOptions tiles_of_four() {
  dataflow::LowerOptions lowering;
  lowering.tile_points = 4;
  return lowering;
}

// omega = 10 keeps every value of orders 0..3 inside ap_fixed<32,10>'s range [-512, 512); with
// omega = 30 Taylor mode's order-2 products and the order-3 derivatives themselves leave it.
TEST(HlsCsim, DerivativeGraphsOfBothMethodsStayWithinTheFixedPointBound) {
  const auto design = order3_design(10);
  const auto lowering = tiles_of_four();
  auto options = project_options("fixed32_10", 8);
  options.element_orders = design.orders;
  const Project project("derivatives_fixed", design.graph, lowering, options);
  EXPECT_TRUE(project.range_warnings().empty()) << project.range_warnings().front();
  project.build();
  const CommandResult csim = project.simulate();
  ASSERT_EQ(csim.status, 0) << csim.output;
  expect_within_fixed_bounds(project, design.graph, options.number, design.orders);
}

// With omega = 30 the values leave ap_fixed<32,10>'s range; the project names the processes and
// the integer bits that would hold them, and with those bits nothing is named any more.
TEST(HlsCodegen, NamesTheProcessesWhoseFixedPointValuesWrap) {
  const auto design = order3_design(30);
  const auto lowering = tiles_of_four();
  auto options = project_options("fixed32_10", 8);
  const Project narrow("range_narrow", design.graph, lowering, options);
  ASSERT_FALSE(narrow.range_warnings().empty());
  int integer_bits = 0;
  for (const std::string& warning : narrow.range_warnings()) {
    EXPECT_NE(warning.find("ap_fixed<32, 10> wraps in "), std::string::npos) << warning;
    const size_t suggestion = warning.rfind("fixed32_");
    ASSERT_NE(suggestion, std::string::npos) << warning;
    integer_bits = std::max(integer_bits, std::stoi(warning.substr(suggestion + 8)));
  }
  EXPECT_GT(integer_bits, 10);
  const auto report = nlohmann::json::parse(std::ifstream(narrow.directory() / "report.json"));
  EXPECT_EQ(report["range_warnings"].size(), narrow.range_warnings().size());

  options.number = hls::parse_number_format("fixed32_" + std::to_string(integer_bits));
  const Project wide("range_wide", design.graph, lowering, options);
  EXPECT_TRUE(wide.range_warnings().empty()) << wide.range_warnings().front();

  // fixed32_auto looks at every node, so it takes at least the bits the warnings asked for.
  options.number = hls::parse_number_format("fixed32_auto");
  EXPECT_EQ(options.number.integer_bits, 0);
  EXPECT_EQ(options.number.name(), "fixed32_auto");
  EXPECT_GE(hls::integer_bits_for(design.graph, options, lowering.tile_points), integer_bits);
  const Project in_float("range_float", design.graph, lowering, project_options("float", 8));
  EXPECT_TRUE(in_float.range_warnings().empty());
}

// INR-Arch's Mm-vs-Cos fork/join: with depth-2 FIFOs the fork stalls on the full cos branch while
// the matmul still waits for the rest of its first row; with the fork-tile policy's depths it runs.
TEST(HlsCsim, ForkJoinDeadlocksWithShallowFifosAndTheReportNamesTheCycle) {
  const auto design = testing::build_fork_join(32);
  dataflow::LowerOptions lowering;
  lowering.tile_points = 8;
  const Project project("fork_join", design.graph, lowering, project_options("float", 16));
  project.build();

  const CommandResult sized = project.simulate();
  ASSERT_EQ(sized.status, 0) << sized.output;
  expect_close(project, 1e-5);

  const auto id = [](ir::NodeId node) { return std::to_string(node); };
  const std::string fork = "fork_" + id(design.sin), mm = "matmul_" + id(design.matmul), cos = "cos_" + id(design.cos),
                    add = "add_" + id(design.add);
  const std::string cycle = "csim: wait-for cycle: " + fork + " -> " + fork + "_to_" + cos + " -> " + cos + " -> " +
                            cos + "_to_" + add + " -> " + add + " -> " + mm + "_to_" + add + " -> " + mm + " -> " +
                            fork + "_to_" + mm + " -> " + fork + "\n";
  for (const auto& [arguments, environment] :
       std::vector<std::pair<std::string, std::string>>{{"--depth 2", ""}, {"", "INRARCH_CSIM_DEPTH=2"}}) {
    const CommandResult deadlocked = project.simulate(arguments, environment);
    EXPECT_EQ(deadlocked.status, 3) << deadlocked.output;
    EXPECT_NE(deadlocked.output.find(cycle), std::string::npos) << deadlocked.output;
    EXPECT_NE(deadlocked.output.find("  " + fork + " waits to write " + fork + "_to_" + cos + " (full: depth 2"),
              std::string::npos)
        << deadlocked.output;
    EXPECT_NE(deadlocked.output.find("  " + add + " waits to read " + mm + "_to_" + add +
                                     " (empty: depth 2 x 4 elements, holds 0"),
              std::string::npos)
        << deadlocked.output;
    EXPECT_LT(deadlocked.seconds, 10.0);
  }

  // The depth table drives the FIFOs: writing depth 2 into it (as a FIFO-sizing pass would write
  // its depths) and rebuilding deadlocks without any override.
  const fs::path table = project.directory() / "stream_depths.h";
  std::ifstream in(table);
  std::string rewritten;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("const int kDepth_", 0) == 0) line = line.substr(0, line.find("= ")) + "= 2;";
    rewritten += line + "\n";
  }
  in.close();
  std::ofstream(table) << rewritten;
  project.build();
  const CommandResult shallow = project.simulate();
  EXPECT_EQ(shallow.status, 3) << shallow.output;
  EXPECT_NE(shallow.output.find(cycle), std::string::npos) << shallow.output;
}

TEST(HlsCompile, CliWritesACompleteProjectAndRunsItsCsim) {
  const fs::path directory = fs::temp_directory_path() / ("inrarch_hls_test_cli_" + std::to_string(getpid()));
  fs::remove_all(directory);
  const std::string cli = INRARCH_CLI;
  const CommandResult compile =
      run_command(cli + " compile siren:in=2,out=2,width=8,hidden=1,omega=30,seed=3 --order 1" +
          " --method nested --tile 4 --test-points 6 --dtype fixed32_10 -o " + directory.string());
  ASSERT_EQ(compile.status, 0) << compile.output;
  for (const char* file :
       {"model.cpp", "model.h", "stream_depths.h", "testbench.cpp", "testbench_data.h", "Makefile", "run_hls.tcl",
        "README.md", "report.json", "include/inrarch_hls/matmul.h", "include/inrarch_hls/fixed.h"}) {
    EXPECT_TRUE(fs::exists(directory / file)) << file;
  }
  std::ifstream tcl(directory / "run_hls.tcl");
  const std::string script((std::istreambuf_iterator<char>(tcl)), std::istreambuf_iterator<char>());
  for (const char* step :
       {"csim_design", "csynth_design", "cosim_design", "set_part {xcu50-fsvh2104-2-e}", "-period 3.33"}) {
    EXPECT_NE(script.find(step), std::string::npos) << step;
  }
  std::ifstream model(directory / "model.cpp");
  const std::string source((std::istreambuf_iterator<char>(model)), std::istreambuf_iterator<char>());
  EXPECT_NE(source.find("#pragma HLS DATAFLOW"), std::string::npos);
  EXPECT_NE(source.find("INRARCH_STREAM("), std::string::npos);
  std::ifstream json(directory / "report.json");
  const auto report = nlohmann::json::parse(json);
  EXPECT_EQ(report["number"], "fixed32_10");
  EXPECT_EQ(report["tile_points"], 4);
  EXPECT_EQ(report["order"], 1);
  EXPECT_EQ(report["method"], "nested");
  EXPECT_GT(report["process_kinds"]["fork"], 0);  // the backward pass re-reads forward values
  const CommandResult csim = run_command(cli + " csim " + directory.string());
  EXPECT_EQ(csim.status, 0) << csim.output;
  EXPECT_NE(csim.output.find("csim: PASS"), std::string::npos) << csim.output;
  EXPECT_NE(csim.output.find("output derivatives order 1:"), std::string::npos) << csim.output;
  if (!HasFailure()) fs::remove_all(directory);
}

// The Taylor-mode sine kernel on its own: coefficients of sin(u) and cos(u) for polynomial u
// against closed-form derivatives.
TEST(HlsKernels, TaylorSineProducesAllCoefficientsFromOneEvaluation) {
  const fs::path directory = fs::temp_directory_path() / ("inrarch_hls_test_taylor_" + std::to_string(getpid()));
  fs::create_directories(directory);
  // Two coordinates, order 3 (M = 10); u's coefficients: a + b x + c y + d x^2 + e xy + f y^2 + g x^3.
  const double a = 0.7, b = -1.3, c = 0.4, d = 0.9, e = -0.6, f = 0.25, g = 0.8;
  const std::vector<double> u = {a, b, c, d, e, f, g, 0, 0, 0};
  const auto table = hls::taylor_sine_table(2, 3);
  ASSERT_EQ(table.coefficients, 10);
  const auto list = [](const auto& values) {
    std::ostringstream text;
    text.precision(17);
    for (size_t i = 0; i < values.size(); ++i) text << (i ? ", " : "") << values[i];
    return text.str();
  };
  std::ofstream(directory / "main.cpp") << R"(#include <cstdio>
#include "inrarch_hls/taylor_sine.h"
int main() {
  typedef inrarch_hls::Block<double, 1> Item;
  inrarch_hls::Stream<Item> in("in", 64), sine("sine", 64), cosine("cosine", 64);
  const double u[] = {)" << list(u) << R"(};
  static const int first[] = {)" << list(table.first)
                                        << R"(};
  static const int beta[] = {)" << list(table.beta)
                                        << R"(};
  static const int rest[] = {)" << list(table.rest)
                                        << R"(};
  static const double weight[] = {)" << list(table.weight)
                                        << R"(};
  for (double value : u) in.write(Item{{value}});
  inrarch_hls::taylor_sine<double, 1, 1, 10, 1, )"
                                        << table.beta.size() << R"(>(in, sine, cosine, first, beta, rest, weight, 1);
  for (int i = 0; i < 10; ++i) std::printf("%.17g %.17g\n", sine.read().data[0], cosine.read().data[0]);
}
)";
  const std::string include = (hls::library_directory() / "include").string();
  const CommandResult build =
      run_command("g++ -std=c++14 -O1 -Wall -Wextra -Wno-unknown-pragmas -Werror -pthread -I" + include + " " +
          (directory / "main.cpp").string() + " -o " + (directory / "taylor").string());
  ASSERT_EQ(build.status, 0) << build.output;
  const CommandResult result = run_command((directory / "taylor").string());
  ASSERT_EQ(result.status, 0) << result.output;
  std::istringstream lines(result.output);
  std::vector<double> s(10), co(10);
  for (int i = 0; i < 10; ++i) lines >> s[static_cast<size_t>(i)] >> co[static_cast<size_t>(i)];
  // Normalized coefficients (derivative / a!) of sin(u(x, y)) and cos(u(x, y)) at 0, by the
  // chain rule with u_x = b, u_y = c, u_xx = 2d, u_xy = e, u_yy = 2f, u_xxx = 6g.
  const double sa = std::sin(a), ca = std::cos(a);
  const std::vector<std::pair<double, double>> expected = {
      {sa, ca},
      {ca * b, -sa * b},
      {ca * c, -sa * c},
      {(-sa * b * b + ca * 2 * d) / 2, (-ca * b * b - sa * 2 * d) / 2},
      {-sa * b * c + ca * e, -ca * b * c - sa * e},
      {(-sa * c * c + ca * 2 * f) / 2, (-ca * c * c - sa * 2 * f) / 2},
      {(-ca * b * b * b - 3 * sa * b * 2 * d + ca * 6 * g) / 6, (sa * b * b * b - 3 * ca * b * 2 * d - sa * 6 * g) / 6},
  };
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(s[i], expected[i].first, 1e-12) << "sin coefficient " << i;
    EXPECT_NEAR(co[i], expected[i].second, 1e-12) << "cos coefficient " << i;
  }
  if (!HasFailure()) fs::remove_all(directory);
}

}  // namespace
}  // namespace inrarch
