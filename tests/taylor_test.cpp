// Taylor mode against an oracle that shares no code with it: a per-point interpreter of the forward
// graph over nested dual numbers in long double, written here. Nesting K duals gives K independent
// infinitesimals ε_1..ε_K (ε_k² = 0); seeding the coordinates with x + Σ_k ε_k e_{i_k} makes the
// coefficient of Π_{k∈S} ε_k the mixed partial ∂_{i_k, k∈S} f — plain chain rule, no series algebra.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "autodiff/derive.h"
#include "exec/reference.h"
#include "ir/graph.h"
#include "models/siren.h"

namespace inrarch::autodiff {
namespace {

using ir::Builder;
using ir::kBatch;
using ir::NodeId;
using ir::Op;

// ---------------------------------------------------------------------------------------------
// Nested dual numbers.

template <typename T>
struct Dual {
  T re;
  T eps;
};

template <int K>
struct NestedDual {
  using type = Dual<typename NestedDual<K - 1>::type>;
};
template <>
struct NestedDual<0> {
  using type = long double;
};

long double real_part(long double x) { return x; }
long double sin_of(long double x) { return std::sin(x); }
long double cos_of(long double x) { return std::cos(x); }
long double exp_of(long double x) { return std::exp(x); }
long double tanh_of(long double x) { return std::tanh(x); }

template <typename T>
T lift(long double value) {
  if constexpr (std::is_same_v<T, long double>) {
    return value;
  } else {
    using Inner = decltype(T::re);
    return T{lift<Inner>(value), lift<Inner>(0)};
  }
}

template <typename T>
Dual<T> operator+(const Dual<T>& a, const Dual<T>& b) { return {a.re + b.re, a.eps + b.eps}; }
template <typename T>
Dual<T> operator-(const Dual<T>& a, const Dual<T>& b) { return {a.re - b.re, a.eps - b.eps}; }
template <typename T>
Dual<T> operator-(const Dual<T>& a) { return {-a.re, -a.eps}; }
template <typename T>
Dual<T> operator*(const Dual<T>& a, const Dual<T>& b) { return {a.re * b.re, a.re * b.eps + a.eps * b.re}; }
template <typename T>
Dual<T> operator/(const Dual<T>& a, const Dual<T>& b) {
  const T quotient = a.re / b.re;
  return {quotient, (a.eps - quotient * b.eps) / b.re};
}
template <typename T>
long double real_part(const Dual<T>& x) { return real_part(x.re); }
template <typename T>
Dual<T> sin_of(const Dual<T>& x) { return {sin_of(x.re), x.eps * cos_of(x.re)}; }
template <typename T>
Dual<T> cos_of(const Dual<T>& x) { return {cos_of(x.re), -(x.eps * sin_of(x.re))}; }
template <typename T>
Dual<T> exp_of(const Dual<T>& x) {
  const T e = exp_of(x.re);
  return {e, x.eps * e};
}
template <typename T>
Dual<T> tanh_of(const Dual<T>& x) {
  const T t = tanh_of(x.re);
  return {t, x.eps * (lift<T>(1) - t * t)};
}
// The remaining functions are compositions, so they need no derivative formula of their own.
template <typename T>
T sigmoid_of(const T& x) { return lift<T>(1) / (lift<T>(1) + exp_of(-x)); }
template <typename T>
T relu_of(const T& x) { return real_part(x) > 0 ? x : lift<T>(0); }
template <typename T>
T step_of(const T& x) { return lift<T>(real_part(x) > 0 ? 1 : 0); }

// ---------------------------------------------------------------------------------------------
// Per-point graph interpreter over any scalar type (the batch axis bound to 1).

ir::Shape at_one_point(ir::Shape shape) {
  for (auto& dim : shape) dim = dim == kBatch ? 1 : dim;
  return shape;
}

int64_t count_of(const ir::Shape& shape) {
  int64_t count = 1;
  for (int64_t dim : shape) count *= dim;
  return count;
}

std::vector<int64_t> unravel(int64_t flat, const ir::Shape& shape) {
  std::vector<int64_t> index(shape.size());
  for (size_t axis = shape.size(); axis-- > 0;) {
    index[axis] = flat % shape[axis];
    flat /= shape[axis];
  }
  return index;
}

int64_t ravel(const std::vector<int64_t>& index, const ir::Shape& shape) {
  int64_t flat = 0;
  for (size_t axis = 0; axis < shape.size(); ++axis) flat = flat * shape[axis] + index[axis];
  return flat;
}

template <typename T>
std::vector<T> evaluate_at_point(const ir::Graph& graph, const std::map<std::string, std::vector<T>>& inputs) {
  std::vector<std::vector<T>> values(graph.size());
  std::vector<ir::Shape> shapes(graph.size());
  for (size_t id = 0; id < graph.size(); ++id) {
    const ir::Node& node = graph.nodes()[id];
    const ir::Shape shape = at_one_point(node.shape);
    shapes[id] = shape;
    const auto& a = node.inputs.empty() ? values[id] : values[static_cast<size_t>(node.inputs[0])];
    const ir::Shape& a_shape = node.inputs.empty() ? shape : shapes[static_cast<size_t>(node.inputs[0])];
    const auto& b = node.inputs.size() < 2 ? a : values[static_cast<size_t>(node.inputs[1])];
    std::vector<T> out;
    const auto each = [&](auto function) {
      for (size_t i = 0; i < a.size(); ++i) out.push_back(function(a[i], b[i]));
    };
    // Layout ops: out[index] = a[source(index)].
    const auto pick = [&](auto source) {
      for (int64_t flat = 0; flat < count_of(shape); ++flat) {
        out.push_back(a[static_cast<size_t>(ravel(source(unravel(flat, shape)), a_shape))]);
      }
    };
    switch (node.op) {
      case Op::Input:
        out = inputs.at(node.attrs.name);
        break;
      case Op::Constant:
        for (double value : *node.data) out.push_back(lift<T>(value));
        break;
      case Op::Add: each([](const T& x, const T& y) { return x + y; }); break;
      case Op::Sub: each([](const T& x, const T& y) { return x - y; }); break;
      case Op::Mul: each([](const T& x, const T& y) { return x * y; }); break;
      case Op::Div: each([](const T& x, const T& y) { return x / y; }); break;
      case Op::Neg: each([](const T& x, const T&) { return -x; }); break;
      case Op::Scale: each([&](const T& x, const T&) { return lift<T>(node.attrs.scalar) * x; }); break;
      case Op::Sin: each([](const T& x, const T&) { return sin_of(x); }); break;
      case Op::Cos: each([](const T& x, const T&) { return cos_of(x); }); break;
      case Op::Exp: each([](const T& x, const T&) { return exp_of(x); }); break;
      case Op::Tanh: each([](const T& x, const T&) { return tanh_of(x); }); break;
      case Op::Sigmoid: each([](const T& x, const T&) { return sigmoid_of(x); }); break;
      case Op::Relu: each([](const T& x, const T&) { return relu_of(x); }); break;
      case Op::Step: each([](const T& x, const T&) { return step_of(x); }); break;
      case Op::MatMul: {
        const ir::Shape& b_shape = shapes[static_cast<size_t>(node.inputs[1])];
        const int64_t rows = a_shape[a_shape.size() - 2], cols = a_shape.back();
        const int64_t m = node.attrs.trans_a ? cols : rows, k = node.attrs.trans_a ? rows : cols;
        const int64_t n = node.attrs.trans_b ? b_shape[0] : b_shape[1];
        for (int64_t stack = 0; stack < count_of(a_shape) / (rows * cols); ++stack) {
          for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < n; ++j) {
              T sum = lift<T>(0);
              for (int64_t p = 0; p < k; ++p) {
                const int64_t a_at = stack * rows * cols + (node.attrs.trans_a ? p * cols + i : i * cols + p);
                const int64_t b_at = node.attrs.trans_b ? j * b_shape[1] + p : p * b_shape[1] + j;
                sum = sum + a[static_cast<size_t>(a_at)] * b[static_cast<size_t>(b_at)];
              }
              out.push_back(sum);
            }
          }
        }
        break;
      }
      case Op::Broadcast:
        pick([&](std::vector<int64_t> index) {
          index.erase(index.begin(), index.begin() + static_cast<int64_t>(shape.size() - a_shape.size()));
          for (size_t axis = 0; axis < index.size(); ++axis) index[axis] = a_shape[axis] == 1 ? 0 : index[axis];
          return index;
        });
        break;
      case Op::Slice:
        pick([&](std::vector<int64_t> index) {
          index[static_cast<size_t>(node.attrs.axis)] += node.attrs.ints[0];
          return index;
        });
        break;
      case Op::Gather:
        pick([&](std::vector<int64_t> index) {
          auto& at = index[static_cast<size_t>(node.attrs.axis)];
          at = node.attrs.ints[static_cast<size_t>(at)];
          return index;
        });
        break;
      case Op::Transpose:
        pick([&](const std::vector<int64_t>& index) {
          std::vector<int64_t> source(index.size());
          for (size_t axis = 0; axis < index.size(); ++axis) {
            source[static_cast<size_t>(node.attrs.ints[axis])] = index[axis];
          }
          return source;
        });
        break;
      case Op::Reshape:
        out = a;
        break;
      case Op::ReduceSum: {
        out.assign(static_cast<size_t>(count_of(shape)), lift<T>(0));
        ir::Shape kept = a_shape;  // the reduced axes as size 1
        for (int64_t axis : node.attrs.ints) kept[static_cast<size_t>(axis)] = 1;
        for (int64_t flat = 0; flat < count_of(a_shape); ++flat) {
          auto index = unravel(flat, a_shape);
          for (int64_t axis : node.attrs.ints) index[static_cast<size_t>(axis)] = 0;
          auto& target = out[static_cast<size_t>(ravel(index, kept))];
          target = target + a[static_cast<size_t>(flat)];
        }
        break;
      }
      case Op::Concat: {
        const auto axis = static_cast<size_t>(node.attrs.axis);
        for (int64_t flat = 0; flat < count_of(shape); ++flat) {
          auto index = unravel(flat, shape);
          size_t part = 0;
          while (index[axis] >= shapes[static_cast<size_t>(node.inputs[part])][axis]) {
            index[axis] -= shapes[static_cast<size_t>(node.inputs[part])][axis];
            ++part;
          }
          const auto in = static_cast<size_t>(node.inputs[part]);
          out.push_back(values[in][static_cast<size_t>(ravel(index, shapes[in]))]);
        }
        break;
      }
    }
    values[id] = std::move(out);
  }
  return values[static_cast<size_t>(graph.outputs()[0].node)];
}

// ---------------------------------------------------------------------------------------------
// The oracle: ∂^β f_c at one point for every |β| <= kOracleOrder.

constexpr int kOracleOrder = 6;
using OracleScalar = NestedDual<kOracleOrder>::type;
using Derivatives = std::map<MultiIndex, std::vector<long double>>;  // β -> one value per channel

// Every multi-index over `dims` coordinates with |α| == total.
std::vector<MultiIndex> of_degree(int dims, int total) {
  if (dims == 1) return {{total}};
  std::vector<MultiIndex> all;
  for (int first = total; first >= 0; --first) {
    for (MultiIndex rest : of_degree(dims - 1, total - first)) {
      rest.insert(rest.begin(), first);
      all.push_back(rest);
    }
  }
  return all;
}

// The documented layout, derived here from its definition: by degree, then lexicographically
// descending within a degree.
std::vector<MultiIndex> expected_layout(int dims, int order) {
  std::vector<MultiIndex> all;
  for (int total = 0; total <= order; ++total) {
    for (const auto& alpha : of_degree(dims, total)) all.push_back(alpha);
  }
  std::stable_sort(all.begin(), all.end(), [](const MultiIndex& a, const MultiIndex& b) {
    const int da = std::accumulate(a.begin(), a.end(), 0), db = std::accumulate(b.begin(), b.end(), 0);
    return da != db ? da < db : a > b;
  });
  return all;
}

template <int K>
typename NestedDual<K>::type seeded(long double value, int axis, const std::vector<int>& directions) {
  if constexpr (K == 0) {
    return value;
  } else {
    using Inner = typename NestedDual<K - 1>::type;
    return {seeded<K - 1>(value, axis, directions), lift<Inner>(directions[K - 1] == axis ? 1 : 0)};
  }
}

// The coefficient of Π_{k∈subset} ε_k.
template <int K>
long double component(const typename NestedDual<K>::type& x, unsigned subset) {
  if constexpr (K == 0) {
    return x;
  } else {
    return component<K - 1>((subset >> (K - 1)) & 1u ? x.eps : x.re, subset);
  }
}

// One evaluation per α of top degree covers every β <= α through the subsets of its infinitesimals.
Derivatives oracle_derivatives(const ir::Graph& forward, const std::vector<double>& point,
                               const std::map<std::string, std::vector<double>>& other_inputs) {
  const int dims = static_cast<int>(point.size());
  Derivatives result;
  for (const MultiIndex& top : of_degree(dims, kOracleOrder)) {
    std::vector<int> directions;
    for (int axis = 0; axis < dims; ++axis) {
      directions.insert(directions.end(), static_cast<size_t>(top[static_cast<size_t>(axis)]), axis);
    }
    std::map<std::string, std::vector<OracleScalar>> inputs;
    for (int axis = 0; axis < dims; ++axis) {
      inputs["coords"].push_back(seeded<kOracleOrder>(point[static_cast<size_t>(axis)], axis, directions));
    }
    for (const auto& [name, values] : other_inputs) {
      for (double value : values) inputs[name].push_back(lift<OracleScalar>(value));
    }
    const auto output = evaluate_at_point(forward, inputs);
    for (unsigned subset = 0; subset < (1u << kOracleOrder); ++subset) {
      MultiIndex beta(static_cast<size_t>(dims), 0);
      for (int level = 0; level < kOracleOrder; ++level) {
        if ((subset >> level) & 1u) ++beta[static_cast<size_t>(directions[static_cast<size_t>(level)])];
      }
      if (result.count(beta)) continue;
      auto& channels = result[beta];
      for (const auto& value : output) channels.push_back(component<kOracleOrder>(value, subset));
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Comparison.

struct Case {
  std::string name;
  ir::Graph forward;
  int dims;
  std::vector<std::vector<double>> points;
  // Values of inputs other than "coords", one vector per point.
  std::map<std::string, std::vector<std::vector<double>>> other_inputs;
  // Graphs that mix points (a matmul over the batch axis) are compared one point per run.
  bool one_point_per_run = false;
};

std::vector<std::vector<double>> random_points(int count, int dims, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::vector<std::vector<double>> points(static_cast<size_t>(count));
  for (auto& point : points) {
    for (int axis = 0; axis < dims; ++axis) point.push_back(uniform(random));
  }
  return points;
}

// The inputs of rows [first, first + count) of the case's points.
std::map<std::string, Tensor> batch_inputs(const Case& test, size_t first, size_t count) {
  const auto batch = [&](const std::vector<std::vector<double>>& rows) {
    Tensor tensor({static_cast<int64_t>(count), static_cast<int64_t>(rows[0].size())});
    for (size_t p = 0; p < count; ++p) {
      const auto row = static_cast<int64_t>(p * rows[0].size());
      std::copy(rows[first + p].begin(), rows[first + p].end(), tensor.data.begin() + row);
    }
    return tensor;
  };
  std::map<std::string, Tensor> inputs{{"coords", batch(test.points)}};
  for (const auto& [name, rows] : test.other_inputs) inputs[name] = batch(rows);
  return inputs;
}

// Every node of `graph` is needed by its output.
bool all_nodes_needed(const ir::Graph& graph) {
  std::vector<bool> needed(graph.size(), false);
  for (const auto& output : graph.outputs()) needed[static_cast<size_t>(output.node)] = true;
  for (size_t id = graph.size(); id-- > 0;) {
    if (!needed[id]) return false;
    for (NodeId input : graph.nodes()[id].inputs) needed[static_cast<size_t>(input)] = true;
  }
  return true;
}

void expect_matches_oracle(const Case& test, int max_order = kOracleOrder) {
  std::vector<Derivatives> oracle;
  for (size_t p = 0; p < test.points.size(); ++p) {
    std::map<std::string, std::vector<double>> others;
    for (const auto& [name, rows] : test.other_inputs) others[name] = rows[p];
    oracle.push_back(oracle_derivatives(test.forward, test.points[p], others));
  }
  const auto channels = static_cast<size_t>(test.forward.node(test.forward.outputs()[0].node).shape[1]);
  for (int order = 0; order <= max_order; ++order) {
    SCOPED_TRACE(test.name + " order " + std::to_string(order));
    DeriveSpec spec;
    spec.order = order;
    spec.wrt = "coords";
    const ir::Graph derived = derive(test.forward, spec);
    ASSERT_NO_THROW(ir::verify(derived));
    EXPECT_TRUE(all_nodes_needed(derived));
    const auto layout = expected_layout(test.dims, order);
    std::vector<Tensor> runs;
    const size_t per_run = test.one_point_per_run ? 1 : test.points.size();
    for (size_t first = 0; first < test.points.size(); first += per_run) {
      runs.push_back(exec::evaluate_reference(derived, batch_inputs(test, first, per_run)).at(0));
    }
    ASSERT_EQ(runs[0].shape, (std::vector<int64_t>{static_cast<int64_t>(per_run), static_cast<int64_t>(channels),
                                                    static_cast<int64_t>(layout.size())}));
    for (size_t m = 0; m < layout.size(); ++m) {
      long double largest = 0;
      for (const auto& at_point : oracle) {
        for (long double value : at_point.at(layout[m])) largest = std::max(largest, std::abs(value));
      }
      const double tolerance = 1e-9 * static_cast<double>(largest) + 1e-14;
      for (size_t p = 0; p < test.points.size(); ++p) {
        const Tensor& run = runs[p / per_run];
        for (size_t c = 0; c < channels; ++c) {
          const double got = run.data[((p % per_run) * channels + c) * layout.size() + m];
          const auto expected = static_cast<double>(oracle[p].at(layout[m])[c]);
          EXPECT_NEAR(got, expected, tolerance) << multi_index_name(layout[m]) << " point " << p << " channel " << c;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Forward graphs.

class Weights {
 public:
  explicit Weights(uint64_t seed) : random_(seed) {}
  NodeId operator()(Builder& builder, ir::Shape shape, double bound = 1.0) {
    std::uniform_real_distribution<double> uniform(-bound, bound);
    std::vector<double> values(static_cast<size_t>(count_of(shape)));
    for (auto& value : values) value = uniform(random_);
    return builder.constant(std::move(shape), std::move(values), "w" + std::to_string(next_++));
  }

 private:
  std::mt19937_64 random_;
  int next_ = 0;
};

// x W^T + b with W [width, in], as a dense layer.
NodeId dense(Builder& b, Weights& weights, NodeId x, int64_t width) {
  const int64_t in = b.shape(x)[1];
  const NodeId product = b.matmul(x, weights(b, {width, in}), false, true);
  return b.add(product, b.broadcast(weights(b, {width}), {kBatch, width}));
}

Case siren_case(int dims, int width, int hidden, uint64_t seed, int points) {
  models::SirenSpec spec;
  spec.in = dims;
  spec.out = 2;
  spec.width = width;
  spec.hidden = hidden;
  spec.omega = 30.0;
  spec.seed = seed;
  return {models::to_string(spec), models::build_siren(spec, models::init_siren(spec), ir::DType::F64), dims,
          random_points(points, dims, seed + 100), {}, false};
}

Case tanh_mlp_case(int dims) {
  Builder b(ir::DType::F64);
  Weights weights(7);
  NodeId h = b.input("coords", {kBatch, dims});
  h = b.unary(Op::Tanh, dense(b, weights, h, 8));
  h = b.unary(Op::Tanh, b.add(b.matmul(h, weights(b, {8, 8}, 0.5)), b.broadcast(weights(b, {1, 8}), {kBatch, 8})));
  b.add_output("output", b.matmul(h, weights(b, {8, 2})));
  return {"tanh mlp", b.finish(), dims, random_points(3, dims, 11), {}, false};
}

Case activations_case(int dims) {
  Builder b(ir::DType::F64);
  Weights weights(8);
  const NodeId x = b.input("coords", {kBatch, dims});
  const NodeId z = dense(b, weights, x, 6);
  const NodeId smooth = b.mul(b.unary(Op::Sigmoid, z), b.unary(Op::Exp, b.scale(z, 0.5)));
  const NodeId kinked = b.add(b.unary(Op::Relu, b.unary(Op::Sin, z)), b.mul(b.unary(Op::Step, z), b.unary(Op::Cos, z)));
  const NodeId out = b.concat({b.matmul(smooth, weights(b, {6, 2})), b.matmul(kinked, weights(b, {6, 1}))}, 1);
  b.add_output("output", out);
  return {"sigmoid exp relu step", b.finish(), dims, random_points(3, dims, 12), {}, false};
}

Case division_case(int dims) {
  Builder b(ir::DType::F64);
  Weights weights(9);
  const NodeId x = b.input("coords", {kBatch, dims});
  const NodeId z = dense(b, weights, x, 5);
  const NodeId numerator = b.mul(b.unary(Op::Sin, z), b.unary(Op::Cos, b.scale(z, 0.7)));
  const NodeId denominator = b.add(b.unary(Op::Exp, b.scale(z, 0.3)), b.scalar_constant(1.5, {kBatch, 5}));
  const NodeId quotient = b.div(numerator, denominator);
  const NodeId reciprocal = b.div(b.scalar_constant(1.0, {kBatch, 5}), denominator);
  const NodeId mixed = b.add(b.sub(quotient, b.mul(quotient, quotient)), reciprocal);
  b.add_output("output", b.matmul(mixed, weights(b, {5, 2})));
  return {"mul div", b.finish(), dims, random_points(3, dims, 13), {}, false};
}

Case layout_case(int dims) {
  Builder b(ir::DType::F64);
  Weights weights(10);
  const NodeId x = b.input("coords", {kBatch, dims});
  const NodeId latent = b.input("latent", {kBatch, 8});
  const NodeId h = b.unary(Op::Sin, dense(b, weights, x, 6));
  const NodeId cube = b.reshape(h, {kBatch, 2, 3});
  const NodeId picked = b.gather(b.slice(b.transpose(cube, {0, 2, 1}), 1, 1, 3), 2, {1, 0, 1});  // [N, 2, 3]
  const NodeId summed = b.reduce_sum(picked, {1}, false);                                        // [N, 3]
  const NodeId spread = b.reshape(b.broadcast(b.reduce_sum(cube, {2}, true), {kBatch, 2, 3}), {kBatch, 6});
  const NodeId joined = b.concat({summed, b.scale(b.neg(b.slice(spread, 1, 0, 3)), 0.5),
                                  b.broadcast(weights(b, {1, 2}), {kBatch, 2})}, 1);  // [N, 8]; one part constant
  const NodeId mixed = b.mul(b.unary(Op::Exp, b.scale(joined, 0.5)), latent);
  const NodeId stacked = b.matmul(b.reshape(mixed, {kBatch, 1, 8}), weights(b, {8, 2}));  // rank-3 rows
  b.add_output("output", b.reshape(stacked, {kBatch, 2}));
  std::vector<std::vector<double>> latent_rows = random_points(3, 8, 14);
  return {"layout ops", b.finish(), dims, random_points(3, dims, 15), {{"latent", latent_rows}}, false};
}

// A matmul of two series: over the batch axis, so only meaningful one point at a time.
Case series_matmul_case(int dims) {
  Builder b(ir::DType::F64);
  Weights weights(11);
  const NodeId x = b.input("coords", {kBatch, dims});
  const NodeId z = dense(b, weights, x, 4);
  const NodeId outer = b.matmul(b.unary(Op::Sin, z), b.unary(Op::Cos, z), true, false);  // [4, 4]
  const NodeId h = b.unary(Op::Tanh, dense(b, weights, x, 4));
  b.add_output("output", b.matmul(h, outer));
  return {"series matmul", b.finish(), dims, random_points(2, dims, 16), {}, true};
}

TEST(TaylorMode, SirensMatchNestedDualOracle) {
  expect_matches_oracle(siren_case(1, 16, 2, 0, 3));
  expect_matches_oracle(siren_case(1, 12, 1, 1, 3));
  expect_matches_oracle(siren_case(2, 12, 2, 2, 3));
  expect_matches_oracle(siren_case(2, 8, 1, 3, 3));
  expect_matches_oracle(siren_case(3, 8, 1, 4, 2));
}

TEST(TaylorMode, HandBuiltGraphsMatchNestedDualOracle) {
  for (int dims = 1; dims <= 3; ++dims) {
    expect_matches_oracle(tanh_mlp_case(dims));
    expect_matches_oracle(activations_case(dims));
    expect_matches_oracle(division_case(dims));
    expect_matches_oracle(layout_case(dims));
    expect_matches_oracle(series_matmul_case(dims));
  }
}

ir::Graph derive_order(const ir::Graph& forward, int order) {
  DeriveSpec spec;
  spec.order = order;
  return derive(forward, spec);
}

int count_op(const ir::Graph& graph, Op op) {
  const auto is_op = [&](const ir::Node& node) { return node.op == op; };
  return static_cast<int>(std::count_if(graph.nodes().begin(), graph.nodes().end(), is_op));
}

// The cost that matters: each weight is multiplied once per non-zero coefficient of its layer's input —
// the first layer's input (the coordinates) has d + 1 of them, every later layer's input all M.
TEST(TaylorStructure, SirenMatmulsPerWeightEqualNonZeroCoefficients) {
  for (int dims = 2; dims <= 3; ++dims) {
    models::SirenSpec spec;
    spec.in = dims;
    spec.width = 8;
    spec.hidden = 2;
    const ir::Graph forward = models::build_siren(spec, models::init_siren(spec), ir::DType::F64);
    for (int order = 0; order <= 6; ++order) {
      const ir::Graph derived = derive_order(forward, order);
      std::map<std::string, int> uses;
      for (const ir::Node& node : derived.nodes()) {
        if (node.op == Op::MatMul) ++uses[derived.node(node.inputs[1]).attrs.name];
      }
      const int m = static_cast<int>(expected_layout(dims, order).size());
      EXPECT_EQ(uses.size(), 4u);
      EXPECT_EQ(uses["net.0.weight"], order == 0 ? 1 : dims + 1) << "order " << order;
      for (const char* weight : {"net.1.weight", "net.2.weight", "net.3.weight"}) {
        EXPECT_EQ(uses[weight], m) << weight << " order " << order;
      }
    }
  }
}

// In a SIREN every coefficient of every node is non-zero, so a node that evaluates to zero everywhere
// would be one built for a structural zero (a coefficient of the linear first layer beyond degree 1,
// a product with one).
TEST(TaylorStructure, NoNodeHoldsAStructuralZero) {
  const Case test = siren_case(2, 8, 1, 5, 3);
  const ir::Graph derived = derive_order(test.forward, 4);
  std::vector<ir::Output> every_node;
  for (size_t id = 0; id < derived.size(); ++id) {
    every_node.push_back({"node" + std::to_string(id), static_cast<NodeId>(id)});
  }
  const auto values = exec::evaluate_reference(ir::Graph(derived.nodes(), every_node), batch_inputs(test, 0, 3));
  for (size_t id = 0; id < values.size(); ++id) {
    const bool any = std::any_of(values[id].data.begin(), values[id].data.end(), [](double v) { return v != 0.0; });
    EXPECT_TRUE(any) << "%" << id << " " << ir::op_name(derived.nodes()[id].op) << " is zero at every point";
  }
}

// Zero terms are skipped, not multiplied: with a linear argument z (the first SIREN layer) each
// coefficient of sin z and of its companion cos z is a single product z_{e_i} · (lower coefficient).
TEST(TaylorStructure, LinearArgumentCostsOneProductPerCoefficient) {
  models::SirenSpec spec;
  spec.hidden = 0;
  spec.width = 8;
  const ir::Graph forward = models::build_siren(spec, models::init_siren(spec), ir::DType::F64);
  for (int order = 1; order <= 6; ++order) {
    const int m = static_cast<int>(expected_layout(2, order).size());
    const int below = static_cast<int>(expected_layout(2, order - 1).size());
    // sin: one product for every coefficient but the value; cos: at most one for each coefficient of
    // degree 1 to order − 1 (only those sin's recurrence reads are built).
    const int products = count_op(derive_order(forward, order), Op::Mul);
    EXPECT_GE(products, m - 1) << "order " << order;
    EXPECT_LE(products, (m - 1) + (below - 1)) << "order " << order;
  }
}

// A model that sees its coordinates only through step is piecewise constant: every derivative is a
// zero column and nothing beyond the forward computation is built.
TEST(TaylorStructure, CoordinatesThroughStepOnlyGiveZeroColumnsWithoutWork) {
  Builder b(ir::DType::F64);
  Weights weights(21);
  const NodeId x = b.input("coords", {kBatch, 2});
  b.add_output("output", b.matmul(b.unary(Op::Sin, b.unary(Op::Step, dense(b, weights, x, 4))), weights(b, {4, 3})));
  const ir::Graph forward = b.finish();
  const Case test{"step", forward, 2, random_points(4, 2, 22), {}, false};
  const ir::Graph derived = derive_order(forward, 3);
  EXPECT_EQ(count_op(derived, Op::MatMul), count_op(forward, Op::MatMul));
  EXPECT_EQ(count_op(derived, Op::Mul), 0);
  EXPECT_EQ(count_op(derived, Op::Cos), 0);
  const Tensor derivatives = exec::evaluate_reference(derived, batch_inputs(test, 0, 4)).at(0);
  const Tensor value = exec::evaluate_reference(forward, batch_inputs(test, 0, 4)).at(0);
  ASSERT_EQ(derivatives.shape, (std::vector<int64_t>{4, 3, 10}));
  for (size_t row = 0; row < 12; ++row) {
    EXPECT_EQ(derivatives.data[row * 10], value.data[row]);
    for (size_t m = 1; m < 10; ++m) EXPECT_EQ(derivatives.data[row * 10 + m], 0.0);
  }
}

}  // namespace
}  // namespace inrarch::autodiff
