#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <set>

#include "exec/engine/engine.h"
#include "exec/engine/kernels.h"
#include "exec/reference.h"
#include "models/siren.h"

namespace inrarch {
namespace {

using exec::Engine;
using exec::EngineOptions;
using ir::Builder;
using ir::kBatch;
using ir::NodeId;
using ir::Op;

constexpr double kF64Tolerance = 1e-12;
constexpr double kF32Tolerance = 1e-4;

Tensor random_tensor(std::vector<int64_t> shape, uint64_t seed, double low = -1.0, double high = 1.0) {
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> uniform(low, high);
  Tensor tensor(std::move(shape));
  for (double& value : tensor.data) value = uniform(random);
  return tensor;
}

// Every output within tolerance * (largest magnitude of that reference output).
void expect_matches(const std::vector<Tensor>& got, const std::vector<Tensor>& want, double tolerance,
                    const std::string& context) {
  ASSERT_EQ(got.size(), want.size()) << context;
  for (size_t k = 0; k < want.size(); ++k) {
    ASSERT_EQ(got[k].shape, want[k].shape) << context << " output " << k;
    ASSERT_EQ(got[k].data.size(), want[k].data.size()) << context << " output " << k;
    double scale = 0.0;
    for (double value : want[k].data) scale = std::max(scale, std::abs(value));
    ASSERT_TRUE(std::isfinite(scale)) << context << " output " << k << ": the reference is not finite";
    for (size_t i = 0; i < want[k].data.size(); ++i) {
      ASSERT_LE(std::abs(got[k].data[i] - want[k].data[i]), tolerance * scale)
          << context << " output " << k << " element " << i << ": engine " << got[k].data[i] << " reference "
          << want[k].data[i] << " (scale " << scale << ")";
    }
  }
}

// Runs `graph` through the engine in both precisions, one and two threads, and compares with the
// reference evaluator.
void check_against_reference(const ir::Graph& graph, const std::map<std::string, Tensor>& inputs, int64_t tile_points,
                             const std::string& context) {
  const auto want = exec::evaluate_reference(graph, inputs);
  for (const ir::DType dtype : {ir::DType::F64, ir::DType::F32}) {
    for (const int threads : {1, 2}) {
      Engine engine = Engine::compile(graph, {.dtype = dtype, .threads = threads, .tile_points = tile_points});
      const std::string where = context + " " + ir::dtype_name(dtype) + " threads=" + std::to_string(threads);
      expect_matches(engine.run(inputs), want, dtype == ir::DType::F64 ? kF64Tolerance : kF32Tolerance, where);
    }
  }
}

TEST(EngineKernels, SinCosMatchLibmOverSirenArgumentRange) {
  // Sine arguments of SIREN reach hundreds (omega = 30 times pre-activations of several units).
  std::vector<double> points;
  for (int i = -200000; i <= 200000; ++i) points.push_back(i * 0.005);  // [-1000, 1000]
  for (int k = -600; k <= 600; ++k) {  // right at and next to multiples of pi/2, where reduction is hardest
    for (double nudge : {-1e-9, 0.0, 1e-9}) points.push_back(k * M_PI / 2 + nudge);
  }
  for (double big : {1e4, -3.3e4, 6.5e4}) points.push_back(big);

  std::vector<double> out64(points.size());
  exec::engine::sin_array(points.data(), out64.data(), static_cast<int64_t>(points.size()));
  std::vector<double> cos64(points.size());
  exec::engine::cos_array(points.data(), cos64.data(), static_cast<int64_t>(points.size()));
  std::vector<float> in32(points.begin(), points.end());
  std::vector<float> out32(points.size());
  std::vector<float> cos32(points.size());
  exec::engine::sin_array(in32.data(), out32.data(), static_cast<int64_t>(points.size()));
  exec::engine::cos_array(in32.data(), cos32.data(), static_cast<int64_t>(points.size()));

  double worst64 = 0.0;
  double worst32 = 0.0;
  for (size_t i = 0; i < points.size(); ++i) {
    worst64 = std::max({worst64, std::abs(out64[i] - std::sin(points[i])), std::abs(cos64[i] - std::cos(points[i]))});
    // The float kernel is judged on its own (float) argument, evaluated exactly in double.
    const double x = in32[i];
    worst32 = std::max({worst32, std::abs(out32[i] - std::sin(x)), std::abs(cos32[i] - std::cos(x))});
  }
  EXPECT_LE(worst64, 4e-16);
  EXPECT_LE(worst32, 2.5e-7);
}

TEST(EngineKernels, SinCosFallBackOutsideTheReducedRange) {
  const std::vector<double> x = {1e12, -3e9, std::numeric_limits<double>::infinity(), std::nan(""), 0.5};
  std::vector<double> out(x.size());
  exec::engine::sin_array(x.data(), out.data(), static_cast<int64_t>(x.size()));
  EXPECT_DOUBLE_EQ(out[0], std::sin(1e12));
  EXPECT_DOUBLE_EQ(out[1], std::sin(-3e9));
  EXPECT_TRUE(std::isnan(out[2]));
  EXPECT_TRUE(std::isnan(out[3]));
  EXPECT_DOUBLE_EQ(out[4], std::sin(0.5));
  // In place, as fused groups use it.
  std::vector<float> y = {1e7f, 2.0f};
  exec::engine::cos_array(y.data(), y.data(), 2);
  EXPECT_FLOAT_EQ(y[0], static_cast<float>(std::cos(1e7)));
  EXPECT_FLOAT_EQ(y[1], static_cast<float>(std::cos(2.0)));
}

ir::Graph siren_graph(const std::string& spec_text) {
  const auto spec = models::parse_siren_spec(spec_text);
  return models::build_siren(spec, models::init_siren(spec));
}

TEST(Engine, SirenForwardMatchesReferenceAcrossTileBoundaries) {
  const ir::Graph graph = siren_graph("siren:in=2,out=3,width=32,hidden=2,omega=30,seed=3");
  constexpr int64_t kTile = 64;
  for (const int64_t points : {int64_t{1}, int64_t{7}, kTile - 1, kTile, kTile + 1, int64_t{1000}}) {
    check_against_reference(graph, {{"coords", random_tensor({points, 2}, 11 + points)}}, kTile,
                            "siren points=" + std::to_string(points));
  }
}

TEST(Engine, FullWidthSirenWithDefaultOptions) {
  const ir::Graph graph = siren_graph(models::kDefaultSiren);
  const std::map<std::string, Tensor> inputs = {{"coords", random_tensor({300, 2}, 5)}};
  const auto want = exec::evaluate_reference(graph, inputs);
  Engine f32 = Engine::compile(graph);
  EXPECT_GE(f32.tile_points(), 16);
  expect_matches(f32.run(inputs), want, kF32Tolerance, "default f32");
  Engine f64 = Engine::compile(graph, {.dtype = ir::DType::F64});
  expect_matches(f64.run(inputs), want, kF64Tolerance, "default f64");
  // A second run reuses the arenas and must not see stale values.
  const std::map<std::string, Tensor> other = {{"coords", random_tensor({77, 2}, 6)}};
  expect_matches(f64.run(other), exec::evaluate_reference(graph, other), kF64Tolerance, "second run");
}

TEST(Engine, SirenPlanFusesEachLayerAndReusesTwoBuffers) {
  const ir::Graph graph = siren_graph("siren:in=2,out=3,width=64,hidden=6,omega=30,seed=1");
  Engine engine = Engine::compile(graph, {.dtype = ir::DType::F32, .threads = 1, .tile_points = 128});
  const exec::MemoryReport report = engine.memory_report();
  const int layers = 6 + 2;
  // Load coords; per sine layer a matmul with its bias and omega folded in, then a sine pass over
  // its result; the last layer is a matmul with its bias. The weights are static.
  EXPECT_EQ(report.steps, 1 + 2 * (layers - 1) + 1);
  EXPECT_EQ(report.fused_groups, layers - 1);
  EXPECT_EQ(report.epilogues, layers);
  EXPECT_FALSE(report.batch_coupled);
  // Each fused pass writes over its matmul's result, so two [tile, width] buffers alternate.
  const int64_t wide = 128 * 64 * 4;
  EXPECT_LE(report.arena_bytes, 2 * wide + 2 * 128 * 16 * 4);
  EXPECT_GE(report.arena_bytes, report.working_set_bytes);
  EXPECT_LT(report.arena_bytes * 4, report.unshared_bytes);
  EXPECT_GE(report.static_bytes, static_cast<int64_t>(ir::parameter_count(graph) * 4));
}

// A stack of derivative-like rows: [m, N, C] through one matmul, then slices and reshapes back.
TEST(Engine, StackedMatMulWithSliceReshapeConcatViews) {
  Builder b(ir::DType::F64);
  const NodeId x = b.input("coords", {kBatch, 5});
  const NodeId w = b.constant({4, 5}, random_tensor({4, 5}, 1).data, "w");
  const NodeId bias = b.constant({4}, random_tensor({4}, 2).data, "b");
  const NodeId s = b.unary(Op::Sin, x);
  const NodeId c = b.unary(Op::Cos, x);
  std::vector<NodeId> rows;
  for (NodeId value : {x, s, c}) rows.push_back(b.reshape(value, {1, kBatch, 5}));
  const NodeId stack = b.concat(rows, 0);                       // [3, N, 5]
  const NodeId product = b.matmul(stack, w, false, true);       // [3, N, 4]
  const NodeId shifted = b.add(b.broadcast(bias, {3, kBatch, 4}), product);
  const NodeId layer = b.unary(Op::Sin, b.scale(shifted, 3.0));
  std::vector<NodeId> back;
  for (int64_t k = 0; k < 3; ++k) back.push_back(b.reshape(b.slice(layer, 0, k, k + 1), {kBatch, 4}));
  b.add_output("first", b.mul(back[0], back[1]));
  b.add_output("rest", b.slice(layer, 0, 1, 3));
  // rank-3 with trans_a: [3, 5, N]^T x w^T
  const NodeId transposed = b.transpose(stack, {0, 2, 1});
  b.add_output("trans_a", b.scale(b.matmul(transposed, w, true, true), -0.5));
  b.add_output("third", b.sub(back[2], b.scalar_constant(0.25, {kBatch, 4})));
  const ir::Graph graph = b.finish();

  Engine engine = Engine::compile(graph, {.dtype = ir::DType::F64, .threads = 1, .tile_points = 16});
  EXPECT_GE(engine.memory_report().views, 3 + 3 + 1);  // reshapes in, slices + reshapes out
  EXPECT_EQ(engine.memory_report().epilogues, 2);      // bias (given first) + scale, and scale alone
  for (const int64_t points : {int64_t{1}, int64_t{15}, int64_t{16}, int64_t{17}, int64_t{100}}) {
    check_against_reference(graph, {{"coords", random_tensor({points, 5}, 40 + points)}}, 16,
                            "stacked points=" + std::to_string(points));
  }
}

// Rows longer than a fused group's chunk, read through every kind of broadcast.
TEST(Engine, WideRowsWithBroadcastLeaves) {
  constexpr int64_t kWide = 1300;
  Builder b(ir::DType::F64);
  const NodeId x = b.input("coords", {kBatch, 3});
  const NodeId h = b.unary(Op::Sin, b.matmul(x, b.constant({kWide, 3}, random_tensor({kWide, 3}, 4).data, "w"), false, true));
  const NodeId row = b.broadcast(b.constant({kWide}, random_tensor({kWide}, 5).data), {kBatch, kWide});
  const NodeId per_point = b.broadcast(b.reduce_sum(x, {1}, true), {kBatch, kWide});  // [N, 1]: repeated along rows
  const NodeId mixed = b.add(b.mul(h, row), b.sub(per_point, b.scalar_constant(0.5, {kBatch, kWide})));
  b.add_output("mixed", mixed);
  const NodeId stacked = b.broadcast(b.reshape(mixed, {1, kBatch, kWide}), {2, kBatch, kWide});
  const NodeId planes = b.broadcast(b.constant({2, 1, 1}, {2.0, -3.0}), {2, kBatch, kWide});
  b.add_output("planes", b.mul(stacked, planes));
  const ir::Graph graph = b.finish();
  for (const int64_t points : {int64_t{1}, int64_t{9}}) {
    check_against_reference(graph, {{"coords", random_tensor({points, 3}, 20 + points)}}, 4,
                            "wide points=" + std::to_string(points));
  }
}

TEST(Engine, BatchCouplingGraphsRunOnTheWholeBatch) {
  Builder b(ir::DType::F64);
  const NodeId x = b.input("coords", {kBatch, 3});
  const NodeId h = b.unary(Op::Tanh, b.matmul(x, b.constant({3, 4}, random_tensor({3, 4}, 3).data, "w")));
  const NodeId total = b.reduce_sum(h, {0}, false);                      // [4]: sums over the points
  const NodeId centred = b.sub(h, b.broadcast(total, {kBatch, 4}));
  const NodeId gram = b.matmul(x, h, true, false);                       // [3, 4]: contracts the points
  b.add_output("centred", centred);
  b.add_output("gram", gram);
  b.add_output("next", b.matmul(x, gram));                               // per point again, after coupling
  const ir::Graph graph = b.finish();
  Engine engine = Engine::compile(graph, {.dtype = ir::DType::F64, .threads = 2, .tile_points = 8});
  EXPECT_TRUE(engine.batch_coupled());
  for (const int64_t points : {int64_t{1}, int64_t{7}, int64_t{8}, int64_t{9}, int64_t{100}}) {
    check_against_reference(graph, {{"coords", random_tensor({points, 3}, 70 + points)}}, 8,
                            "coupled points=" + std::to_string(points));
  }

  // A reshape that moves data across points couples them too: [N, 2] -> [2, N].
  Builder r(ir::DType::F64);
  const NodeId y = r.input("coords", {kBatch, 2});
  r.add_output("mixed", r.unary(Op::Sin, r.reshape(y, {2, kBatch})));
  const ir::Graph reshape_graph = r.finish();
  EXPECT_TRUE(Engine::compile(reshape_graph, {.tile_points = 4}).batch_coupled());
  check_against_reference(reshape_graph, {{"coords", random_tensor({9, 2}, 9)}}, 4, "reshape across points");
}

TEST(Engine, InputsWithoutOrAfterTheBatchAxisAndStaticOutputs) {
  Builder b(ir::DType::F64);
  const NodeId points_last = b.input("u", {3, kBatch});          // batch on axis 1
  const NodeId shared = b.input("t", {4});                        // no batch axis: once per run
  const NodeId gathered = b.gather(shared, 0, {3, 0, 0});         // [3]
  const NodeId column = b.reshape(gathered, {3, 1});
  const NodeId scaled = b.mul(points_last, b.broadcast(column, {3, kBatch}));
  b.add_output("scaled", b.transpose(b.unary(Op::Exp, scaled), {1, 0}));
  b.add_output("shared", b.scale(shared, 2.0));                   // prelude-only output
  const NodeId constant = b.constant({2, 2}, {1, 2, 3, 4});
  b.add_output("static", b.matmul(constant, constant));          // known at compile time
  b.add_output("input", points_last);
  const ir::Graph graph = b.finish();
  for (const int64_t points : {int64_t{1}, int64_t{5}, int64_t{33}}) {
    check_against_reference(graph, {{"u", random_tensor({3, points}, points)}, {"t", random_tensor({4}, 99)}}, 4,
                            "layouts points=" + std::to_string(points));
  }
}

TEST(Engine, ZeroPointsAndInputErrors) {
  const ir::Graph graph = siren_graph("siren:in=2,out=3,width=8,hidden=1,omega=30,seed=0");
  Engine engine = Engine::compile(graph, {.threads = 2});
  const auto empty = engine.run({{"coords", Tensor({0, 2})}});
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty[0].shape, (std::vector<int64_t>{0, 3}));
  EXPECT_TRUE(empty[0].data.empty());
  EXPECT_THROW(engine.run({}), ir::Error);
  EXPECT_THROW(engine.run({{"coords", Tensor({4, 3})}}), ir::Error);
}

// Random per-point graphs over every op. Values in the pool are [N, C] with small C; each step adds
// one. Magnitudes stay bounded (squashing after ops that can grow them) so that float results stay
// comparable; Step only sees inputs minus constants, far from its discontinuity at float precision.
class RandomGraphs {
 public:
  RandomGraphs(uint64_t seed, bool couple) : random_(seed), couple_(couple), b_(ir::DType::F64) {
    x_ = b_.input("x", {kBatch, 4});
    t_ = b_.input("t", {5});
    pool_.push_back(x_);
    pool_.push_back(b_.unary(Op::Sin, b_.input("y", {kBatch, 3})));
  }

  ir::Graph build(int steps) {
    for (int i = 0; i < steps; ++i) pool_.push_back(step());
    for (int k = 0; k < 3; ++k) b_.add_output("out" + std::to_string(k), pool_[pool_.size() - 1 - k * 2]);
    b_.add_output("deep_view", b_.reshape(pool_.back(), {kBatch, 1, columns(pool_.back())}));
    return b_.finish();
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
  double uniform(double low, double high) { return std::uniform_real_distribution<double>(low, high)(random_); }
  int64_t columns(NodeId id) const { return b_.shape(id)[1]; }
  NodeId any() { return pool_[static_cast<size_t>(pick(static_cast<int>(pool_.size())))]; }

  NodeId constant(std::vector<int64_t> shape, double bound = 1.0) {
    std::vector<double> values(static_cast<size_t>(Tensor::count(shape)));
    for (double& value : values) value = uniform(-bound, bound);
    return b_.constant(std::move(shape), std::move(values));
  }

  // Another [N, C] value of a's shape: from the pool, or one of the broadcast forms.
  NodeId like(NodeId a) {
    const int64_t c = columns(a);
    for (NodeId candidate : pool_) {
      if (candidate != a && columns(candidate) == c && pick(2) == 0) return candidate;
    }
    switch (pick(4)) {
      case 0: return b_.broadcast(constant({c}), {kBatch, c});
      case 1: return b_.scalar_constant(uniform(-2, 2), {kBatch, c});
      case 2: {
        std::vector<int64_t> indices;
        for (int64_t k = 0; k < c; ++k) indices.push_back(pick(5));
        return b_.broadcast(b_.gather(t_, 0, indices), {kBatch, c});
      }
      default:
        return b_.broadcast(b_.unary(Op::Tanh, b_.reduce_sum(a, {1}, true)), {kBatch, c});
    }
  }

  NodeId squash(NodeId a) { return pick(2) ? b_.unary(Op::Tanh, a) : b_.unary(Op::Sin, a); }

  NodeId step() {
    const NodeId a = any();
    const int64_t c = columns(a);
    const int64_t wide = 1 + pick(5);
    switch (pick(couple_ ? 12 : 11)) {
      case 0: {
        constexpr Op kUnary[] = {Op::Sin, Op::Cos, Op::Tanh, Op::Relu, Op::Sigmoid, Op::Neg};
        return b_.unary(kUnary[pick(6)], a);
      }
      case 1: return pick(2) ? b_.scale(a, uniform(-3, 3)) : b_.unary(Op::Exp, b_.unary(Op::Tanh, a));
      case 2: {
        constexpr Op kBinary[] = {Op::Add, Op::Sub, Op::Mul};
        return squash(b_.binary(kBinary[pick(3)], a, like(a)));
      }
      case 3: {
        const NodeId d = like(a);
        return b_.div(a, b_.add(b_.scalar_constant(1.0, {kBatch, c}), b_.mul(d, d)));
      }
      case 4: {
        const NodeId column = b_.slice(x_, 1, pick(4), 4);
        const NodeId gate = b_.unary(Op::Step, b_.sub(column, b_.broadcast(constant({1}, 0.5), b_.shape(column))));
        const NodeId gates = b_.broadcast(b_.slice(gate, 1, 0, 1), {kBatch, c});
        return b_.mul(a, gates);
      }
      case 5: {  // a dense layer, SIREN style, with either weight layout
        const bool trans_b = pick(2);
        const NodeId w = trans_b ? constant({wide, c}) : constant({c, wide});
        const NodeId h = b_.add(b_.matmul(a, w, false, trans_b), b_.broadcast(constant({wide}), {kBatch, wide}));
        return b_.unary(Op::Sin, b_.scale(h, uniform(0.5, 3)));
      }
      case 6: {  // trans_a over the transposed value, and a per-point right operand
        const NodeId at = b_.transpose(a, {1, 0});
        if (pick(2)) return squash(b_.matmul(at, constant({wide, c}), true, true));
        return squash(b_.transpose(b_.matmul(constant({wide, c}), at), {1, 0}));
      }
      case 7: {  // stacked rows through one matmul, back out by slices
        const int64_t m = 2 + pick(2);
        std::vector<NodeId> rows;
        for (int64_t k = 0; k < m; ++k) rows.push_back(b_.reshape(k == 0 ? a : like(a), {1, kBatch, c}));
        const NodeId stacked = b_.matmul(b_.concat(rows, 0), constant({wide, c}), false, true);
        const NodeId s = b_.unary(Op::Cos, stacked);
        const NodeId first = b_.reshape(b_.slice(s, 0, 0, 1), {kBatch, wide});
        const NodeId last = b_.reshape(b_.slice(s, 0, m - 1, m), {kBatch, wide});
        return b_.mul(first, last);
      }
      case 8: {  // column slices, gathers and concats (copies)
        const int64_t start = pick(static_cast<int>(c));
        const NodeId part = b_.slice(a, 1, start, start + 1 + pick(static_cast<int>(c - start)));
        std::vector<int64_t> indices;
        for (int k = 0; k < 1 + pick(3); ++k) indices.push_back(pick(static_cast<int>(c)));
        return b_.concat({part, b_.gather(a, 1, indices), any()}, 1);
      }
      case 9: {  // rank-3 detour: [N, C] -> [N, C, 1] -> broadcast [N, C, 2] -> [N, 2C]
        const NodeId deep = b_.broadcast(b_.reshape(a, {kBatch, c, 1}), {kBatch, c, 2});
        const NodeId wavy = b_.mul(deep, b_.broadcast(constant({1, 1, 2}), {kBatch, c, 2}));
        return b_.reshape(wavy, {kBatch, 2 * c});
      }
      case 10: return b_.reshape(squash(b_.reduce_sum(b_.reshape(a, {kBatch, 1, c}), {1, 2}, true)), {kBatch, 1});
      default: {  // batch coupling: a mean over the points and a points-contracting matmul
        const NodeId mean = b_.reduce_sum(a, {0}, false);
        const NodeId gram = b_.matmul(a, any(), true, false);
        const NodeId mixed = b_.matmul(a, b_.unary(Op::Tanh, gram));
        return squash(b_.sub(mixed, b_.broadcast(b_.reduce_sum(mean, {0}, true), b_.shape(mixed))));
      }
    }
  }

  std::mt19937_64 random_;
  bool couple_;
  Builder b_;
  NodeId x_ = -1;
  NodeId t_ = -1;
  std::vector<NodeId> pool_;
};

TEST(Engine, RandomGraphsOverEveryOpMatchReference) {
  for (uint64_t seed = 0; seed < 24; ++seed) {
    const bool couple = seed % 4 == 3;
    const ir::Graph graph = RandomGraphs(seed, couple).build(14);
    const int64_t points = std::vector<int64_t>{1, 6, 23, 301}[seed % 4];
    // Small tiles cross many tile boundaries; large ones put many rows through each fused chunk.
    const int64_t tile = seed % 3 == 0 ? 256 : 8;
    const std::map<std::string, Tensor> inputs = {{"x", random_tensor({points, 4}, seed)},
                                                  {"y", random_tensor({points, 3}, seed + 100)},
                                                  {"t", random_tensor({5}, seed + 200)}};
    check_against_reference(graph, inputs, tile, "random seed=" + std::to_string(seed) + "\n" + ir::to_text(graph));
  }
}

TEST(Engine, RandomGraphsCoverEveryOp) {
  // The generator above is only a test of every op if its graphs contain every op.
  std::set<Op> seen;
  for (uint64_t seed = 0; seed < 24; ++seed) {
    const ir::Graph graph = RandomGraphs(seed, seed % 4 == 3).build(14);
    for (const ir::Node& node : graph.nodes()) seen.insert(node.op);
  }
  for (Op op : {Op::Input, Op::Constant, Op::MatMul, Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Neg, Op::Scale, Op::Sin,
                Op::Cos, Op::Tanh, Op::Relu, Op::Step, Op::Sigmoid, Op::Exp, Op::Broadcast, Op::ReduceSum, Op::Slice,
                Op::Gather, Op::Concat, Op::Transpose, Op::Reshape}) {
    EXPECT_TRUE(seen.count(op)) << ir::op_name(op);
  }
}

}  // namespace
}  // namespace inrarch
