// Reverse mode against independent oracles: every VJP rule against central finite differences of
// the forward graph (evaluated by the reference interpreter at perturbed inputs), nested input
// derivatives of small networks against finite differences of the next lower order, and the INSP
// layout against INSP-Net's own loop run in PyTorch (tests/data/make_insp_reference.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <random>
#include <string>

#include "autodiff/derive.h"
#include "autodiff/multi_index.h"
#include "autodiff/reverse.h"
#include "exec/reference.h"
#include "ir/graph.h"
#include "models/siren.h"
#include "util/error.h"

namespace inrarch {
namespace {

using ir::Builder;
using ir::kBatch;
using ir::NodeId;
using ir::Op;
using ir::Shape;

constexpr int64_t kPoints = 3;

Tensor random_tensor(const Shape& shape, std::mt19937_64& rng, double low, double high) {
  std::vector<int64_t> concrete = shape;
  for (auto& dim : concrete) dim = dim == kBatch ? kPoints : dim;
  Tensor tensor(concrete);
  std::uniform_real_distribution<double> uniform(low, high);
  for (auto& value : tensor.data) value = uniform(rng);
  return tensor;
}

struct InputSpec {
  Shape shape;
  double low = -1.0;
  double high = 1.0;
};

using BuildForward = std::function<NodeId(Builder&, const std::vector<NodeId>&)>;

// Builds f(x0, x1, ...) and, in a second builder, the VJP of its output with a random seed s with
// respect to every input; checks each adjoint element against the central difference of
// L = sum(s * f) evaluated on the forward graph alone.
void expect_vjp_matches_finite_differences(const std::vector<InputSpec>& specs, const BuildForward& build,
                                           uint64_t seed = 1) {
  Builder forward_builder(ir::DType::F64);
  std::vector<NodeId> inputs;
  for (size_t i = 0; i < specs.size(); ++i)
    inputs.push_back(forward_builder.input("x" + std::to_string(i), specs[i].shape));
  const NodeId out = build(forward_builder, inputs);
  const Shape out_shape = forward_builder.shape(out);
  forward_builder.add_output("out", out);
  const ir::Graph forward = forward_builder.finish();

  Builder builder(ir::DType::F64);
  const auto ids = autodiff::import_graph(builder, forward);
  std::vector<NodeId> wrt;
  for (NodeId input : inputs) wrt.push_back(ids[static_cast<size_t>(input)]);
  const NodeId weights = builder.input("seed", out_shape);
  const auto adjoints = autodiff::vjp(builder, ids[static_cast<size_t>(out)], weights, wrt);
  for (size_t i = 0; i < adjoints.size(); ++i) {
    ASSERT_EQ(builder.shape(adjoints[i]), specs[i].shape) << "adjoint of x" << i;
    builder.add_output("adjoint" + std::to_string(i), adjoints[i]);
  }
  const ir::Graph gradient = builder.finish();
  ASSERT_NO_THROW(ir::verify(gradient));

  std::mt19937_64 rng(seed);
  std::map<std::string, Tensor> values;
  for (size_t i = 0; i < specs.size(); ++i) {
    values["x" + std::to_string(i)] = random_tensor(specs[i].shape, rng, specs[i].low, specs[i].high);
  }
  const Tensor weight_values = random_tensor(out_shape, rng, -1.0, 1.0);
  auto with_seed = values;
  with_seed["seed"] = weight_values;
  const auto analytic = exec::evaluate_reference(gradient, with_seed);

  const auto loss = [&](const std::map<std::string, Tensor>& at) {
    const Tensor f = exec::evaluate_reference(forward, at)[0];
    double sum = 0.0;
    for (size_t k = 0; k < f.data.size(); ++k) sum += weight_values.data[k] * f.data[k];
    return sum;
  };
  constexpr double kStep = 1e-6;
  for (size_t i = 0; i < specs.size(); ++i) {
    const std::string name = "x" + std::to_string(i);
    for (size_t j = 0; j < values[name].data.size(); ++j) {
      auto plus = values, minus = values;
      plus[name].data[j] += kStep;
      minus[name].data[j] -= kStep;
      const double expected = (loss(plus) - loss(minus)) / (2 * kStep);
      EXPECT_NEAR(analytic[i].data[j], expected, 1e-7 * std::max(1.0, std::abs(expected)))
          << "d/d" << name << "[" << j << "]";
    }
  }
}

TEST(ReverseVjp, MatMulEveryTransposeFlag) {
  for (const bool trans_b : {false, true}) {
    SCOPED_TRACE(trans_b ? "trans_b" : "no trans_b");
    const Shape weight = trans_b ? Shape{4, 3} : Shape{3, 4};
    expect_vjp_matches_finite_differences(
        {{{kBatch, 3}}, {weight}}, [&](Builder& b, const auto& x) { return b.matmul(x[0], x[1], false, trans_b); });
    expect_vjp_matches_finite_differences(
        {{{3, kBatch}}, {weight}}, [&](Builder& b, const auto& x) { return b.matmul(x[0], x[1], true, trans_b); });
  }
  // Contraction over the points, the shape of a weight gradient.
  expect_vjp_matches_finite_differences({{{kBatch, 3}}, {{kBatch, 2}}},
                                        [](Builder& b, const auto& x) { return b.matmul(x[0], x[1], true, false); });
}

TEST(ReverseVjp, MatMulStackedRows) {
  expect_vjp_matches_finite_differences({{{2, kBatch, 3}}, {{4, 3}}},
                                        [](Builder& b, const auto& x) { return b.matmul(x[0], x[1], false, true); });
  expect_vjp_matches_finite_differences({{{2, 3, kBatch}}, {{3, 4}}},
                                        [](Builder& b, const auto& x) { return b.matmul(x[0], x[1], true, false); });
  expect_vjp_matches_finite_differences({{{kBatch, 2, 3}}, {{3, 4}}},
                                        [](Builder& b, const auto& x) { return b.matmul(x[0], x[1], false, false); });
}

TEST(ReverseVjp, ElementwiseBinary) {
  for (const Op op : {Op::Add, Op::Sub, Op::Mul, Op::Div}) {
    SCOPED_TRACE(ir::op_name(op));
    expect_vjp_matches_finite_differences({{{kBatch, 3}}, {{kBatch, 3}, 0.5, 2.0}},
                                          [&](Builder& b, const auto& x) { return b.binary(op, x[0], x[1]); });
    // x0 reaches both operands, through a sin and then as the very same node: contributions add up.
    expect_vjp_matches_finite_differences({{{kBatch, 3}, 0.5, 2.0}}, [&](Builder& b, const auto& x) {
      return b.binary(op, x[0], b.unary(Op::Sin, x[0]));
    });
    expect_vjp_matches_finite_differences({{{kBatch, 3}, 0.5, 2.0}},
                                          [&](Builder& b, const auto& x) { return b.binary(op, x[0], x[0]); });
  }
}

TEST(ReverseVjp, ElementwiseUnary) {
  for (const Op op : {Op::Neg, Op::Sin, Op::Cos, Op::Tanh, Op::Sigmoid, Op::Exp, Op::Relu}) {
    SCOPED_TRACE(ir::op_name(op));
    expect_vjp_matches_finite_differences({{{kBatch, 4}, -2.0, 2.0}},
                                          [&](Builder& b, const auto& x) { return b.unary(op, x[0]); });
  }
  expect_vjp_matches_finite_differences({{{kBatch, 4}}}, [](Builder& b, const auto& x) { return b.scale(x[0], -2.5); });
}

TEST(ReverseVjp, StepPassesNoGradient) {
  expect_vjp_matches_finite_differences({{{kBatch, 4}}, {{kBatch, 4}}},
                                        [](Builder& b, const auto& x) { return b.mul(b.unary(Op::Step, x[0]), x[1]); });
}

TEST(ReverseVjp, BroadcastAndReduceSum) {
  // The batch symbol is bound from the inputs, so a batched second input sets the number of points.
  expect_vjp_matches_finite_differences({{{3}}, {{kBatch, 3}}}, [](Builder& b, const auto& x) {
    return b.mul(b.broadcast(x[0], {kBatch, 3}), x[1]);
  });
  expect_vjp_matches_finite_differences({{{kBatch, 1}}}, [](Builder& b, const auto& x) {
    return b.broadcast(x[0], {kBatch, 3});
  });
  expect_vjp_matches_finite_differences({{{1, 3}}, {{2, kBatch, 3}}}, [](Builder& b, const auto& x) {
    return b.mul(b.broadcast(x[0], {2, kBatch, 3}), x[1]);
  });
  for (const bool keepdims : {false, true}) {
    SCOPED_TRACE(keepdims ? "keepdims" : "no keepdims");
    expect_vjp_matches_finite_differences({{{kBatch, 2, 3}}},
                                          [&](Builder& b, const auto& x) { return b.reduce_sum(x[0], {1}, keepdims); });
    expect_vjp_matches_finite_differences({{{kBatch, 2, 3}}}, [&](Builder& b, const auto& x) {
      return b.reduce_sum(x[0], {0, 2}, keepdims);
    });
  }
}

TEST(ReverseVjp, SliceGatherConcat) {
  for (const auto& [start, end] : std::vector<std::pair<int64_t, int64_t>>{{0, 2}, {1, 4}, {3, 5}}) {
    expect_vjp_matches_finite_differences({{{kBatch, 5}}},
                                          [&](Builder& b, const auto& x) { return b.slice(x[0], 1, start, end); });
  }
  // Repeated indices: their adjoints must add up in the scatter.
  expect_vjp_matches_finite_differences({{{kBatch, 4}}}, [](Builder& b, const auto& x) {
    return b.gather(x[0], 1, {3, 0, 0, 2});
  });
  expect_vjp_matches_finite_differences({{{4, kBatch, 2}}}, [](Builder& b, const auto& x) {
    return b.gather(x[0], 0, {1, 1, 3});
  });
  expect_vjp_matches_finite_differences({{{4}}}, [](Builder& b, const auto& x) {
    return b.gather(x[0], 0, {2, 0, 2});
  });
  expect_vjp_matches_finite_differences({{{kBatch, 2}}, {{kBatch, 3}}}, [](Builder& b, const auto& x) {
    return b.concat({x[0], x[1], x[0]}, 1);
  });
}

TEST(ReverseVjp, TransposeAndReshape) {
  expect_vjp_matches_finite_differences({{{kBatch, 2, 3}}}, [](Builder& b, const auto& x) {
    return b.transpose(x[0], {2, 0, 1});
  });
  expect_vjp_matches_finite_differences({{{kBatch, 6}}}, [](Builder& b, const auto& x) {
    return b.reshape(x[0], {kBatch, 2, 3});
  });
}

TEST(ReverseVjp, SmallNetworkWithSharedSubexpressions) {
  expect_vjp_matches_finite_differences({{{kBatch, 3}}, {{4, 3}}, {{4}}}, [](Builder& b, const auto& x) {
    const NodeId pre = b.add(b.matmul(x[0], x[1], false, true), b.broadcast(x[2], {kBatch, 4}));
    const NodeId h = b.mul(b.unary(Op::Tanh, pre), b.unary(Op::Sin, b.scale(pre, 3.0)));
    return b.reduce_sum(b.mul(h, b.unary(Op::Sigmoid, h)), {1}, true);
  });
}

TEST(ReverseVjp, OnlyPathsFromWrtToOutputGetAdjoints) {
  Builder b(ir::DType::F64);
  const NodeId x = b.input("x", {kBatch, 2});
  const NodeId unused = b.input("unused", {kBatch, 2});
  const NodeId w = b.constant({2, 2}, {1.0, 2.0, 3.0, 4.0}, "w");
  const NodeId out = b.unary(Op::Sin, b.matmul(x, w));
  const size_t before = b.size();
  const auto adjoints = autodiff::vjp(b, out, b.scalar_constant(1.0, b.shape(out)), {x, unused});
  // No adjoint of the weight, whose rule would be a matmul over the points, was built.
  for (size_t id = before; id < b.size(); ++id) {
    const ir::Node& node = b.node(static_cast<NodeId>(id));
    if (node.op == Op::MatMul) {
      EXPECT_NE(node.shape, (Shape{2, 2})) << "weight adjoint built at %" << id;
    }
  }
  b.add_output("unused_adjoint", adjoints[1]);
  const ir::Graph graph = b.finish();
  const auto values = exec::evaluate_reference(
      graph, {{"x", Tensor({2, 2}, {0.1, 0.2, 0.3, 0.4})}, {"unused", Tensor({2, 2}, {1, 1, 1, 1})}});
  EXPECT_EQ(values[0].data, std::vector<double>(4, 0.0));
}

TEST(ReverseVjp, SeedMustMatchTheOutputShape) {
  Builder b(ir::DType::F64);
  const NodeId x = b.input("x", {kBatch, 2});
  EXPECT_THROW(autodiff::vjp(b, b.unary(Op::Sin, x), b.scalar_constant(1.0, {kBatch, 3}), {x}), ir::Error);
}

// ---- nested derivatives ---------------------------------------------------------------------

ir::Graph tanh_mlp(int dims, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  Builder b(ir::DType::F64);
  NodeId h = b.input("coords", {kBatch, dims});
  const std::vector<int64_t> widths = {dims, 10, 10, 2};
  for (size_t k = 1; k < widths.size(); ++k) {
    std::vector<double> weight(static_cast<size_t>(widths[k] * widths[k - 1])), bias(static_cast<size_t>(widths[k]));
    for (auto& value : weight) value = uniform(rng);
    for (auto& value : bias) value = uniform(rng);
    const NodeId w = b.constant({widths[k], widths[k - 1]}, weight, "w" + std::to_string(k));
    const NodeId c = b.constant({widths[k]}, bias, "b" + std::to_string(k));
    h = b.add(b.matmul(h, w, false, true), b.broadcast(c, {kBatch, widths[k]}));
    if (k + 1 < widths.size()) h = b.unary(Op::Tanh, h);
  }
  b.add_output("output", h);
  return b.finish();
}

ir::Graph small_siren(int dims, uint64_t seed) {
  models::SirenSpec spec;
  spec.in = dims;
  spec.out = 2;
  spec.width = 12;
  spec.hidden = 1;
  spec.omega = 30.0;
  spec.seed = seed;
  return models::build_siren(spec, models::init_siren(spec), ir::DType::F64);
}

Tensor nested_derivatives(const ir::Graph& forward, int order, const Tensor& coords) {
  autodiff::DeriveSpec spec;
  spec.order = order;
  spec.method = autodiff::Method::Nested;
  const ir::Graph derived = autodiff::derive(forward, spec);
  return exec::evaluate_reference(derived, {{"coords", coords}})[0];
}

// derivatives[point, channel, position]
double at(const Tensor& derivatives, int64_t point, int64_t channel, int position) {
  const int64_t channels = derivatives.shape[1], count = derivatives.shape[2];
  return derivatives.data[static_cast<size_t>((point * channels + channel) * count + position)];
}

// Order 0 against the forward graph; each entry of order k against the central difference, along
// every axis it contains, of the order k - 1 entry with that axis taken away (a separate graph).
void expect_nested_matches_finite_differences(const ir::Graph& forward, int dims, double step, double tolerance) {
  constexpr int kMaxOrder = 4;
  std::mt19937_64 rng(7);
  const Tensor coords = random_tensor({4, dims}, rng, -0.8, 0.8);
  const Tensor values = exec::evaluate_reference(forward, {{"coords", coords}})[0];
  const Tensor order0 = nested_derivatives(forward, 0, coords);
  ASSERT_EQ(order0.shape, (std::vector<int64_t>{4, values.shape[1], 1}));
  for (size_t i = 0; i < values.data.size(); ++i) EXPECT_DOUBLE_EQ(order0.data[i], values.data[i]);

  for (int order = 1; order <= kMaxOrder; ++order) {
    SCOPED_TRACE("order " + std::to_string(order));
    const Tensor derivatives = nested_derivatives(forward, order, coords);
    const auto indices = autodiff::multi_indices(dims, order);
    ASSERT_EQ(derivatives.shape, (std::vector<int64_t>{4, values.shape[1], static_cast<int64_t>(indices.size())}));
    double scale = 0.0;  // the largest derivative of this order: FD errors are relative to it
    for (int64_t p = 0; p < 4; ++p) {
      for (int64_t c = 0; c < values.shape[1]; ++c) {
        for (size_t m = 0; m < indices.size(); ++m) {
          if (autodiff::degree(indices[m]) == order)
            scale = std::max(scale, std::abs(at(derivatives, p, c, static_cast<int>(m))));
        }
      }
    }
    for (int axis = 0; axis < dims; ++axis) {
      Tensor plus = coords, minus = coords;
      for (int64_t p = 0; p < 4; ++p) {
        plus.data[static_cast<size_t>(p * dims + axis)] += step;
        minus.data[static_cast<size_t>(p * dims + axis)] -= step;
      }
      const Tensor lower_plus = nested_derivatives(forward, order - 1, plus);
      const Tensor lower_minus = nested_derivatives(forward, order - 1, minus);
      for (const auto& alpha : indices) {
        if (autodiff::degree(alpha) != order || alpha[static_cast<size_t>(axis)] == 0) continue;
        auto beta = alpha;
        --beta[static_cast<size_t>(axis)];
        const int position = autodiff::multi_index_position(alpha, order);
        const int lower_position = autodiff::multi_index_position(beta, order - 1);
        for (int64_t p = 0; p < 4; ++p) {
          for (int64_t c = 0; c < values.shape[1]; ++c) {
            const double expected =
                (at(lower_plus, p, c, lower_position) - at(lower_minus, p, c, lower_position)) / (2 * step);
            EXPECT_NEAR(at(derivatives, p, c, position), expected, tolerance * scale)
                << autodiff::multi_index_name(alpha) << " point " << p << " channel " << c << " along axis " << axis;
          }
        }
      }
    }
  }
}

TEST(NestedDerivatives, SirenOrdersZeroToFourMatchFiniteDifferences) {
  for (int dims = 1; dims <= 3; ++dims) {
    SCOPED_TRACE("d = " + std::to_string(dims));
    expect_nested_matches_finite_differences(small_siren(dims, 11), dims, 1e-6, 1e-7);
  }
}

TEST(NestedDerivatives, TanhMlpOrdersZeroToFourMatchFiniteDifferences) {
  for (int dims = 1; dims <= 3; ++dims) {
    SCOPED_TRACE("d = " + std::to_string(dims));
    expect_nested_matches_finite_differences(tanh_mlp(dims, 5), dims, 1e-5, 1e-7);
  }
}

// ---- INSP-Net layout ----------------------------------------------------------------------

// The (channel, multi-index) of each feature of INSP-Net's loop, derived by running the loop over
// labels instead of tensors.
std::vector<std::pair<int, autodiff::MultiIndex>> insp_labels(int channels, int dims, int calls) {
  std::vector<std::pair<int, autodiff::MultiIndex>> labels;
  for (int c = 0; c < channels; ++c) labels.push_back({c, autodiff::MultiIndex(static_cast<size_t>(dims), 0)});
  for (int i = 0; i < calls; ++i) {
    const auto parent = labels[static_cast<size_t>(i)];
    for (int axis = 0; axis < dims; ++axis) {
      auto child = parent;
      ++child.second[static_cast<size_t>(axis)];
      labels.push_back(child);
    }
  }
  return labels;
}

TEST(InspLayout, DefaultCallsGiveSixtyFiveFeaturesInBfsOrderScaledPerCall) {
  models::SirenSpec siren;
  siren.width = 8;
  siren.hidden = 1;
  siren.seed = 4;
  const ir::Graph forward = models::build_siren(siren, models::init_siren(siren), ir::DType::F64);
  autodiff::DeriveSpec spec;
  spec.method = autodiff::Method::Nested;
  spec.layout = autodiff::Layout::Insp;
  ASSERT_EQ(spec.insp_calls, 31);
  const ir::Graph derived = autodiff::derive(forward, spec);
  const NodeId output = derived.outputs().at(0).node;
  EXPECT_EQ(derived.node(output).shape, (Shape{kBatch, 65}));

  const auto labels = insp_labels(3, 2, 31);
  ASSERT_EQ(labels.size(), 65u);
  std::vector<int> per_order(5, 0);
  for (const auto& label : labels) ++per_order[static_cast<size_t>(autodiff::degree(label.second))];
  // 3 channels, 6 first and 12 second ordered partials, all 24 third, then the loop stops after
  // 31 calls: 10 calls into the third-order list make 20 fourth-order features.
  EXPECT_EQ(per_order, (std::vector<int>{3, 6, 12, 24, 20}));

  std::mt19937_64 rng(3);
  const Tensor coords = random_tensor({5, 2}, rng, -1.0, 1.0);
  const Tensor features = exec::evaluate_reference(derived, {{"coords", coords}})[0];
  const Tensor unique = nested_derivatives(forward, 4, coords);
  for (size_t f = 0; f < labels.size(); ++f) {
    const auto& [channel, alpha] = labels[f];
    const double factor = std::pow(autodiff::kInspGradDivisor, -autodiff::degree(alpha));
    double column_scale = 0.0;
    for (int64_t p = 0; p < 5; ++p)
      column_scale = std::max(column_scale, std::abs(features.data[static_cast<size_t>(p * 65) + f]));
    for (int64_t p = 0; p < 5; ++p) {
      const double expected = factor * at(unique, p, channel, autodiff::multi_index_position(alpha, 4));
      EXPECT_NEAR(features.data[static_cast<size_t>(p * 65) + f], expected, 1e-9 * column_scale)
          << "feature " << f << " channel " << channel << " " << autodiff::multi_index_name(alpha);
    }
  }
}

TEST(InspLayout, CallCountOutOfRangeIsAUserError) {
  Builder b(ir::DType::F64);
  const NodeId x = b.input("coords", {kBatch, 1});
  b.add_output("output", b.concat({b.unary(Op::Sin, x), b.unary(Op::Cos, x)}, 1));
  const ir::Graph forward = b.finish();
  autodiff::DeriveSpec spec;
  spec.method = autodiff::Method::Nested;
  spec.layout = autodiff::Layout::Insp;
  spec.insp_calls = -1;
  EXPECT_THROW(autodiff::derive(forward, spec), UserError);
  // One coordinate, two channels: call i differentiates an order-(i / 2) entry, so 26 calls reach
  // order 13.
  spec.insp_calls = 26;
  try {
    autodiff::derive(forward, spec);
    FAIL() << "26 calls on a 1-d, 2-channel model were accepted";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("insp_calls=26 goes beyond derivative order 12"), std::string::npos)
        << error.what();
  }
  spec.insp_calls = 24;  // reaches order 12 exactly
  EXPECT_NO_THROW(autodiff::derive(forward, spec));
}

// A minimal reader of the little-endian float64 C-order .npy files make_insp_reference.py writes.
Tensor read_npy(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open " + path);
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw std::runtime_error(path + ": not a .npy file");
  const auto byte = [&](size_t i) { return static_cast<size_t>(static_cast<unsigned char>(bytes[i])); };
  const bool short_header = bytes[6] == 1;
  const size_t header_length =
      short_header ? byte(8) | byte(9) << 8 : byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24;
  const size_t header_start = short_header ? 10 : 12;
  const std::string header = bytes.substr(header_start, header_length);
  if (header.find("'descr': '<f8'") == std::string::npos ||
      header.find("'fortran_order': False") == std::string::npos) {
    throw std::runtime_error(path + ": expected little-endian float64 in C order, header " + header);
  }
  std::vector<int64_t> shape;
  const size_t open = header.find('(', header.find("'shape'"));
  const std::string dims = header.substr(open + 1, header.find(')', open) - open - 1);
  for (size_t at = 0; at < dims.size();) {
    size_t used = 0;
    shape.push_back(std::stoll(dims.substr(at), &used));
    at = dims.find_first_of("0123456789", at + used);
  }
  Tensor tensor(shape);
  const size_t data_start = header_start + header_length;
  if (bytes.size() != data_start + tensor.data.size() * sizeof(double)) throw std::runtime_error(path + ": truncated");
  std::memcpy(tensor.data.data(), bytes.data() + data_start, tensor.data.size() * sizeof(double));
  return tensor;
}

TEST(InspLayout, MatchesInspNetExportLoopInPyTorch) {
  const std::string folder = std::string(INRARCH_TEST_DATA) + "/insp_reference/";
  models::SirenSpec spec = models::parse_siren_spec("siren:in=2,out=3,width=16,hidden=2,omega=30");
  std::vector<models::DenseLayer> layers;
  for (int k = 0; k < spec.hidden + 2; ++k) {
    const Tensor weight = read_npy(folder + "net." + std::to_string(k) + ".weight.npy");
    const Tensor bias = read_npy(folder + "net." + std::to_string(k) + ".bias.npy");
    ASSERT_EQ(weight.shape.size(), 2u);
    layers.push_back({static_cast<int>(weight.shape[1]), static_cast<int>(weight.shape[0]), weight.data, bias.data});
  }
  const ir::Graph forward = models::build_siren(spec, layers, ir::DType::F64);
  autodiff::DeriveSpec derive_spec;
  derive_spec.method = autodiff::Method::Nested;
  derive_spec.layout = autodiff::Layout::Insp;
  const ir::Graph derived = autodiff::derive(forward, derive_spec);

  const Tensor coords = read_npy(folder + "coords.npy");
  const Tensor reference = read_npy(folder + "features.npy");
  const Tensor features = exec::evaluate_reference(derived, {{"coords", coords}})[0];
  ASSERT_EQ(features.shape, reference.shape);
  ASSERT_EQ(features.shape, (std::vector<int64_t>{coords.shape[0], 65}));
  const int64_t points = reference.shape[0], count = reference.shape[1];
  for (int64_t f = 0; f < count; ++f) {
    double column_scale = 0.0;
    for (int64_t p = 0; p < points; ++p)
      column_scale = std::max(column_scale, std::abs(reference.data[static_cast<size_t>(p * count + f)]));
    ASSERT_GT(column_scale, 0.0) << "feature " << f;
    for (int64_t p = 0; p < points; ++p) {
      const auto i = static_cast<size_t>(p * count + f);
      EXPECT_NEAR(features.data[i], reference.data[i], 1e-9 * column_scale) << "point " << p << " feature " << f;
    }
  }
}

}  // namespace
}  // namespace inrarch
