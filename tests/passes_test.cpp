#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

#include "exec/reference.h"
#include "ir/graph.h"
#include "models/siren.h"
#include "passes/batch_shared_matmul.h"
#include "passes/cse.h"
#include "passes/dce.h"
#include "passes/fold_constants.h"
#include "passes/pipeline.h"
#include "passes/simplify.h"
#include "util/error.h"

namespace inrarch {
namespace {

using ir::Builder;
using ir::Graph;
using ir::kBatch;
using ir::NodeId;
using ir::Op;

constexpr int64_t kPoints = 5;

std::map<std::string, Tensor> random_inputs(const Graph& graph, uint64_t seed = 7) {
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::map<std::string, Tensor> inputs;
  for (NodeId id : graph.inputs()) {
    const auto& node = graph.node(id);
    std::vector<int64_t> shape = node.shape;
    for (auto& dim : shape) dim = dim == kBatch ? kPoints : dim;
    Tensor tensor(shape);
    for (auto& value : tensor.data) value = uniform(random);
    inputs[node.attrs.name] = tensor;
  }
  return inputs;
}

// The optimized graph must compute what the original computes: same output names, shapes and
// values (to 1e-12 relative to each output's largest magnitude) on random inputs.
void expect_same_values(const Graph& original, const Graph& optimized) {
  ASSERT_NO_THROW(ir::verify(optimized));
  ASSERT_EQ(original.outputs().size(), optimized.outputs().size());
  for (size_t i = 0; i < original.outputs().size(); ++i) {
    EXPECT_EQ(original.outputs()[i].name, optimized.outputs()[i].name);
  }
  const auto inputs = random_inputs(original);
  const auto expected = exec::evaluate_reference(original, inputs);
  const auto actual = exec::evaluate_reference(optimized, inputs);
  for (size_t i = 0; i < expected.size(); ++i) {
    const std::string& name = original.outputs()[i].name;
    ASSERT_EQ(expected[i].shape, actual[i].shape) << name;
    double magnitude = 1.0;
    for (double value : expected[i].data) magnitude = std::max(magnitude, std::abs(value));
    for (size_t k = 0; k < expected[i].data.size(); ++k) {
      ASSERT_NEAR(expected[i].data[k], actual[i].data[k], 1e-12 * magnitude) << name << "[" << k << "]";
    }
  }
}

int count_op(const Graph& graph, Op op) {
  return static_cast<int>(std::count_if(graph.nodes().begin(), graph.nodes().end(),
                                        [&](const ir::Node& node) { return node.op == op; }));
}

const ir::Node& output_node(const Graph& graph, const std::string& name) {
  for (const auto& output : graph.outputs()) {
    if (output.name == name) return graph.node(output.node);
  }
  throw std::runtime_error("no output " + name);
}

const ir::Node& operand(const Graph& graph, const ir::Node& node, size_t k = 0) { return graph.node(node.inputs.at(k)); }

// Test-local reading of "every element is zero", independent of the passes' own helper.
bool holds_zeros(const Graph& graph, const ir::Node& node) {
  const ir::Node& source = node.op == Op::Broadcast ? operand(graph, node) : node;
  return source.op == Op::Constant && source.attrs.name.empty() &&
         std::all_of(source.data->begin(), source.data->end(), [](double value) { return value == 0.0; });
}

bool is_input(const ir::Node& node, const std::string& name) { return node.op == Op::Input && node.attrs.name == name; }

std::vector<double> iota_values(size_t count, double scale) {
  std::vector<double> values(count);
  for (size_t i = 0; i < count; ++i) values[i] = scale * std::sin(1.0 + static_cast<double>(i));
  return values;
}

Graph clean(const Graph& graph) { return passes::dead_code_elimination(graph); }

// Appends `second`'s nodes after `first`'s, as if two separately built graphs were read into one.
Graph concatenate(const Graph& first, const Graph& second) {
  std::vector<ir::Node> nodes = first.nodes();
  std::vector<ir::Output> outputs = first.outputs();
  const auto offset = static_cast<NodeId>(first.size());
  for (ir::Node node : second.nodes()) {
    for (auto& input : node.inputs) input += offset;
    nodes.push_back(node);
  }
  for (auto output : second.outputs()) outputs.push_back({output.name, output.node + offset});
  return Graph(nodes, outputs);
}

// ---- cse ----

TEST(Cse, MergesCommutedOperands) {
  Builder b(ir::DType::F64);
  const auto x = b.input("x", {kBatch, 3});
  const auto y = b.input("y", {kBatch, 3});
  const auto xy = b.add(x, y);
  const auto yx = b.add(y, x);
  ASSERT_NE(xy, yx);
  b.add_output("p", b.mul(xy, x));
  b.add_output("q", b.mul(x, yx));
  const Graph graph = b.finish();
  const Graph merged = passes::common_subexpression_elimination(graph);
  EXPECT_EQ(count_op(clean(merged), Op::Add), 1);
  EXPECT_EQ(count_op(clean(merged), Op::Mul), 1);
  EXPECT_EQ(merged.outputs()[0].node, merged.outputs()[1].node);
  expect_same_values(graph, merged);
}

Graph layer_graph(bool bias_first, Op activation, const std::string& output) {
  Builder b(ir::DType::F64);
  const auto x = b.input("x", {kBatch, 2});
  const auto w = b.constant({4, 2}, iota_values(8, 0.7), "w");
  const auto bias = b.broadcast(b.constant({4}, iota_values(4, 0.3), "bias"), {kBatch, 4});
  const auto product = b.matmul(x, w, false, true);
  b.add_output(output, b.unary(activation, bias_first ? b.add(bias, product) : b.add(product, bias)));
  return b.finish();
}

TEST(Cse, MergesGraphsBuiltBySeparateBuilders) {
  const Graph first = layer_graph(false, Op::Sin, "first");
  const Graph second = layer_graph(true, Op::Cos, "second");
  const Graph both = concatenate(first, second);
  ASSERT_NO_THROW(ir::verify(both));
  ASSERT_EQ(both.size(), 14u);
  const Graph merged = clean(passes::common_subexpression_elimination(both));
  // x, w, bias, matmul, broadcast, add shared; sin and cos apart.
  EXPECT_EQ(merged.size(), 8u) << ir::to_text(merged);
  EXPECT_EQ(merged.outputs()[0].name, "first");
  EXPECT_EQ(merged.outputs()[1].name, "second");
  EXPECT_EQ(merged.inputs().size(), 1u);
  expect_same_values(both, merged);
  // Each half still computes what its own builder's graph computes.
  const auto inputs = random_inputs(first);
  const auto merged_values = exec::evaluate_reference(merged, inputs);
  EXPECT_EQ(merged_values[0].data, exec::evaluate_reference(first, inputs)[0].data);
  EXPECT_EQ(merged_values[1].data, exec::evaluate_reference(second, inputs)[0].data);
}

// ---- dce ----

TEST(Dce, KeepsOnlyWhatOutputsNeedAndEveryInput) {
  Builder b(ir::DType::F64);
  const auto x = b.input("x", {kBatch, 3});
  b.input("unused", {kBatch, 2});
  b.unary(Op::Exp, b.unary(Op::Cos, x));
  const auto live = b.unary(Op::Sin, x);
  b.add_output("a", live);
  b.add_output("b", live);
  b.add_output("c", x);
  const Graph graph = b.finish();
  const Graph pruned = passes::dead_code_elimination(graph);
  EXPECT_EQ(pruned.size(), 3u) << ir::to_text(pruned);
  EXPECT_EQ(count_op(pruned, Op::Exp), 0);
  EXPECT_EQ(pruned.inputs().size(), 2u);
  ASSERT_EQ(pruned.outputs().size(), 3u);
  EXPECT_EQ(output_node(pruned, "a").op, Op::Sin);
  EXPECT_EQ(pruned.outputs()[0].node, pruned.outputs()[1].node);
  EXPECT_TRUE(is_input(output_node(pruned, "c"), "x"));
  expect_same_values(graph, pruned);
}

// ---- fold_constants ----

TEST(FoldConstants, EvaluatesConstantSubgraphs) {
  Builder b(ir::DType::F64);
  const auto x = b.input("x", {kBatch, 2});
  const std::vector<double> c = {0.5, -1.0, 2.0, 0.25};
  const std::vector<double> d = {1.5, 0.75, -0.5, 1.0};
  const auto c_node = b.constant({2, 2}, c);
  const auto d_node = b.constant({2, 2}, d);
  const auto table = b.add(b.unary(Op::Sin, b.matmul(c_node, d_node, false, true)), b.transpose(c_node, {1, 0}));
  b.add_output("y", b.matmul(x, table));
  const Graph graph = b.finish();
  const Graph folded = clean(passes::fold_constants(graph));
  EXPECT_EQ(folded.size(), 3u) << ir::to_text(folded);
  const ir::Node& product = output_node(folded, "y");
  ASSERT_EQ(product.op, Op::MatMul);
  const ir::Node& table_node = operand(folded, product, 1);
  ASSERT_EQ(table_node.op, Op::Constant);
  // sin(c d^T) + c^T by hand.
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      const double dot = c[i * 2] * d[j * 2] + c[i * 2 + 1] * d[j * 2 + 1];
      EXPECT_NEAR((*table_node.data)[static_cast<size_t>(i * 2 + j)], std::sin(dot) + c[j * 2 + i], 1e-15);
    }
  }
  expect_same_values(graph, folded);
}

TEST(FoldConstants, KeepsLargeBroadcastsAndParameters) {
  Builder b(ir::DType::F64);
  const auto w = b.constant({3, 3}, iota_values(9, 1.0), "w");
  const auto seeds = b.constant({2, 3}, {1, 0, 0, 0, 1, 0});
  b.add_output("big", b.scalar_constant(2.0, {64, 64}));
  b.add_output("small", b.scalar_constant(3.0, {2, 2}));
  b.add_output("w_t", b.transpose(w, {1, 0}));
  b.add_output("seed", b.scale(b.slice(seeds, 0, 1, 2), -1.0));
  const Graph graph = b.finish();
  const Graph folded = clean(passes::fold_constants(graph));
  const ir::Node& big = output_node(folded, "big");
  EXPECT_EQ(big.op, Op::Broadcast);
  EXPECT_EQ(operand(folded, big).data->size(), 1u);
  EXPECT_EQ(output_node(folded, "small").op, Op::Constant);
  EXPECT_EQ(*output_node(folded, "small").data, std::vector<double>(4, 3.0));
  const ir::Node& w_t = output_node(folded, "w_t");
  EXPECT_EQ(w_t.op, Op::Transpose);
  EXPECT_EQ(operand(folded, w_t).attrs.name, "w");
  EXPECT_EQ(ir::parameter_count(folded), 9);
  EXPECT_EQ(*output_node(folded, "seed").data, (std::vector<double>{-0.0, -1.0, -0.0}));
  expect_same_values(graph, folded);
}

// ---- simplify ----

TEST(Simplify, ArithmeticIdentities) {
  Builder b(ir::DType::F64);
  const auto x = b.input("x", {kBatch, 3});
  const auto y = b.input("y", {kBatch, 3});
  const auto one = b.scalar_constant(1.0, {kBatch, 3});
  const auto zero = b.scalar_constant(0.0, {kBatch, 3});
  b.add_output("mul_one", b.mul(x, one));
  b.add_output("mul_zero", b.mul(zero, y));
  b.add_output("add_zero", b.add(zero, x));
  b.add_output("sub_zero", b.sub(x, zero));
  b.add_output("zero_sub", b.sub(zero, x));
  b.add_output("div_one", b.div(x, one));
  b.add_output("neg_neg", b.neg(b.neg(x)));
  b.add_output("scale_scale", b.scale(b.scale(x, 2.0), 3.0));
  b.add_output("scale_to_one", b.scale(b.scale(x, 0.5), 2.0));
  b.add_output("scale_zero", b.scale(x, 0.0));
  b.add_output("neg_scale", b.neg(b.scale(x, 2.0)));
  b.add_output("mul_fill", b.mul(b.scalar_constant(2.5, {kBatch, 3}), y));
  b.add_output("sin_zero", b.unary(Op::Sin, zero));
  b.add_output("cos_zero_times_x", b.mul(b.unary(Op::Cos, zero), x));
  const Graph graph = b.finish();
  const Graph simplified = clean(passes::simplify(graph));
  for (const char* name : {"mul_one", "add_zero", "sub_zero", "div_one", "neg_neg", "scale_to_one", "cos_zero_times_x"}) {
    EXPECT_TRUE(is_input(output_node(simplified, name), "x")) << name;
  }
  for (const char* name : {"mul_zero", "scale_zero", "sin_zero"}) {
    EXPECT_TRUE(holds_zeros(simplified, output_node(simplified, name))) << name;
  }
  const ir::Node& negated = output_node(simplified, "zero_sub");
  EXPECT_EQ(negated.op, Op::Neg);
  EXPECT_TRUE(is_input(operand(simplified, negated), "x"));
  const ir::Node& scaled = output_node(simplified, "scale_scale");
  EXPECT_EQ(scaled.op, Op::Scale);
  EXPECT_EQ(scaled.attrs.scalar, 6.0);
  EXPECT_TRUE(is_input(operand(simplified, scaled), "x"));
  EXPECT_EQ(output_node(simplified, "neg_scale").op, Op::Scale);
  EXPECT_EQ(output_node(simplified, "neg_scale").attrs.scalar, -2.0);
  const ir::Node& by_fill = output_node(simplified, "mul_fill");
  EXPECT_EQ(by_fill.op, Op::Scale);
  EXPECT_EQ(by_fill.attrs.scalar, 2.5);
  EXPECT_TRUE(is_input(operand(simplified, by_fill), "y"));
  EXPECT_EQ(count_op(simplified, Op::Mul) + count_op(simplified, Op::Add) + count_op(simplified, Op::Div), 0);
  expect_same_values(graph, simplified);
}

TEST(Simplify, MovementIdentities) {
  Builder b(ir::DType::F64);
  const auto x = b.input("x", {kBatch, 3});
  const auto y = b.input("y", {kBatch, 4});
  const auto z = b.input("z", {kBatch, 3, 4});
  const auto zero = b.scalar_constant(0.0, {kBatch, 3});
  const auto joined = b.concat({x, y}, 1);
  b.add_output("transpose_twice", b.transpose(b.transpose(z, {1, 0, 2}), {0, 2, 1}));
  b.add_output("transpose_back", b.transpose(b.transpose(z, {2, 0, 1}), {1, 2, 0}));
  b.add_output("reshape_twice", b.reshape(b.reshape(z, {kBatch, 12}), {kBatch, 2, 6}));
  b.add_output("reshape_back", b.reshape(b.reshape(z, {kBatch, 12}), {kBatch, 3, 4}));
  b.add_output("slice_in_second", b.slice(joined, 1, 4, 6));
  b.add_output("slice_is_first", b.slice(joined, 1, 0, 3));
  b.add_output("slices_cover", b.concat({b.slice(y, 1, 0, 1), b.slice(y, 1, 1, 3), b.slice(y, 1, 3, 4)}, 1));
  b.add_output("slices_partly", b.concat({b.slice(y, 1, 0, 1), b.slice(y, 1, 1, 2), x}, 1));
  b.add_output("slice_slice", b.slice(b.slice(y, 1, 1, 4), 1, 1, 2));
  b.add_output("zero_transposed", b.transpose(zero, {1, 0}));
  b.add_output("zero_reshaped", b.reshape(zero, {kBatch, 3, 1}));
  b.add_output("zero_summed", b.reduce_sum(zero, {1}, false));
  b.add_output("zero_product", b.matmul(x, b.transpose(b.matmul(x, zero, true, false), {1, 0})));
  const Graph graph = b.finish();
  const Graph simplified = clean(passes::simplify(graph));

  const ir::Node& twice = output_node(simplified, "transpose_twice");
  EXPECT_EQ(twice.op, Op::Transpose);
  EXPECT_EQ(twice.attrs.ints, (std::vector<int64_t>{1, 2, 0}));
  EXPECT_TRUE(is_input(operand(simplified, twice), "z"));
  EXPECT_TRUE(is_input(output_node(simplified, "transpose_back"), "z"));
  const ir::Node& reshaped = output_node(simplified, "reshape_twice");
  EXPECT_EQ(reshaped.op, Op::Reshape);
  EXPECT_TRUE(is_input(operand(simplified, reshaped), "z"));
  EXPECT_TRUE(is_input(output_node(simplified, "reshape_back"), "z"));
  const ir::Node& in_second = output_node(simplified, "slice_in_second");
  EXPECT_EQ(in_second.op, Op::Slice);
  EXPECT_EQ(in_second.attrs.ints, (std::vector<int64_t>{1, 3}));
  EXPECT_TRUE(is_input(operand(simplified, in_second), "y"));
  EXPECT_TRUE(is_input(output_node(simplified, "slice_is_first"), "x"));
  EXPECT_TRUE(is_input(output_node(simplified, "slices_cover"), "y"));
  const ir::Node& partly = output_node(simplified, "slices_partly");
  ASSERT_EQ(partly.op, Op::Concat);
  ASSERT_EQ(partly.inputs.size(), 2u);
  EXPECT_EQ(operand(simplified, partly, 0).attrs.ints, (std::vector<int64_t>{0, 2}));
  EXPECT_TRUE(is_input(operand(simplified, partly, 1), "x"));
  const ir::Node& slice_slice = output_node(simplified, "slice_slice");
  EXPECT_EQ(slice_slice.attrs.ints, (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(is_input(operand(simplified, slice_slice), "y"));
  for (const char* name : {"zero_transposed", "zero_reshaped", "zero_summed", "zero_product"}) {
    EXPECT_TRUE(holds_zeros(simplified, output_node(simplified, name))) << name;
  }
  EXPECT_EQ(count_op(simplified, Op::MatMul), 0);
  EXPECT_EQ(count_op(simplified, Op::ReduceSum), 0);
  expect_same_values(graph, simplified);
}

TEST(Simplify, OneHotMatmulBecomesGather) {
  Builder b(ir::DType::F64);
  const auto x = b.input("x", {kBatch, 5});
  const auto w = b.constant({4, 6}, iota_values(24, 1.0), "w");
  const auto w2 = b.constant({6, 4}, iota_values(24, 0.5), "w2");
  // Columns pick x's columns 4, 0 and 2 (stored as [5,3], and transposed as [3,5]).
  std::vector<double> picks(15, 0.0);
  for (auto [row, col] : {std::pair{4, 0}, std::pair{0, 1}, std::pair{2, 2}}) picks[static_cast<size_t>(row * 3 + col)] = 1.0;
  std::vector<double> picks_t(15, 0.0);
  for (auto [row, col] : {std::pair{0, 4}, std::pair{1, 0}, std::pair{2, 2}}) picks_t[static_cast<size_t>(row * 5 + col)] = 1.0;
  b.add_output("columns", b.matmul(x, b.constant({5, 3}, picks)));
  b.add_output("columns_t", b.matmul(x, b.constant({3, 5}, picks_t), false, true));
  b.add_output("columns_of_a_t", b.matmul(b.input("x_t", {5, kBatch}), b.constant({5, 3}, picks), true, false));
  // Rows 3 and 1 of a weight: a one-hot seed times a parameter.
  b.add_output("rows", b.matmul(b.constant({2, 4}, {0, 0, 0, 1, 0, 1, 0, 0}), w));
  b.add_output("rows_t", b.matmul(b.constant({4, 2}, {0, 0, 0, 1, 0, 0, 1, 0}), w, true, false));
  // A Taylor tangent seed broadcast over the points, times a weight used transposed.
  const auto seed = b.broadcast(b.constant({1, 4}, {0, 0, 1, 0}), {kBatch, 4});
  b.add_output("seed", b.matmul(seed, w2, false, true));
  // Not one-hot: a column holds 2.
  std::vector<double> doubled = picks;
  doubled[0] = 0.0;
  doubled[3] = 2.0;
  b.add_output("not_one_hot", b.matmul(x, b.constant({5, 3}, doubled)));
  const Graph graph = b.finish();
  const Graph simplified = clean(passes::common_subexpression_elimination(passes::simplify(graph)));

  const ir::Node& columns = output_node(simplified, "columns");
  ASSERT_EQ(columns.op, Op::Gather);
  EXPECT_EQ(columns.attrs.axis, 1);
  EXPECT_EQ(columns.attrs.ints, (std::vector<int64_t>{4, 0, 2}));
  EXPECT_TRUE(is_input(operand(simplified, columns), "x"));
  EXPECT_EQ(simplified.outputs()[0].node, simplified.outputs()[1].node);
  const ir::Node& columns_of_a_t = output_node(simplified, "columns_of_a_t");
  ASSERT_EQ(columns_of_a_t.op, Op::Gather);
  EXPECT_EQ(columns_of_a_t.attrs.ints, (std::vector<int64_t>{4, 0, 2}));
  EXPECT_EQ(operand(simplified, columns_of_a_t).op, Op::Transpose);
  const ir::Node& rows = output_node(simplified, "rows");
  ASSERT_EQ(rows.op, Op::Gather);
  EXPECT_EQ(rows.attrs.ints, (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(operand(simplified, rows).attrs.name, "w");
  EXPECT_EQ(&output_node(simplified, "rows_t"), &rows);
  const ir::Node& seeded = output_node(simplified, "seed");
  ASSERT_EQ(seeded.op, Op::Broadcast);
  EXPECT_EQ(operand(simplified, seeded).op, Op::Gather);
  EXPECT_EQ(count_op(simplified, Op::MatMul), 1);
  EXPECT_EQ(output_node(simplified, "not_one_hot").op, Op::MatMul);
  expect_same_values(graph, simplified);
}

TEST(Simplify, ElementwiseOpsRunBeforeBroadcasts) {
  Builder b(ir::DType::F64);
  const auto x = b.input("x", {kBatch, 3});
  const auto row = b.input("row", {1, 3});
  const auto spread = b.broadcast(row, {kBatch, 3});
  b.add_output("exp", b.unary(Op::Exp, spread));
  b.add_output("sum", b.add(spread, b.broadcast(b.unary(Op::Cos, row), {kBatch, 3})));
  b.add_output("mixed", b.mul(spread, x));
  const Graph graph = b.finish();
  const Graph simplified = clean(passes::simplify(graph));
  for (const char* name : {"exp", "sum"}) {
    const ir::Node& node = output_node(simplified, name);
    EXPECT_EQ(node.op, Op::Broadcast) << name;
    EXPECT_EQ(operand(simplified, node).shape, (ir::Shape{1, 3})) << name;
  }
  EXPECT_EQ(output_node(simplified, "mixed").op, Op::Mul);
  expect_same_values(graph, simplified);
}

TEST(Simplify, ReachesItsFixedPointInOnePass) {
  Builder b(ir::DType::F64);
  const auto x = b.input("x", {kBatch, 4});
  const auto zero = b.scalar_constant(0.0, {kBatch, 4});
  const auto one = b.scalar_constant(1.0, {kBatch, 4});
  auto value = b.mul(b.add(b.neg(b.scale(b.neg(x), 2.0)), zero), one);
  value = b.concat({b.slice(value, 1, 0, 2), b.slice(value, 1, 2, 4)}, 1);
  value = b.transpose(b.transpose(b.sub(zero, b.mul(value, b.scalar_constant(0.5, {kBatch, 4}))), {1, 0}), {1, 0});
  b.add_output("y", value);
  const Graph graph = b.finish();
  const Graph once = clean(passes::simplify(graph));
  const Graph twice = clean(passes::simplify(once));
  EXPECT_EQ(ir::to_text(once), ir::to_text(twice));
  // 0 - 0.5 * (2x) = -x.
  const ir::Node& result = output_node(once, "y");
  EXPECT_EQ(result.op, Op::Neg);
  EXPECT_TRUE(is_input(operand(once, result), "x"));
  expect_same_values(graph, once);
}

// ---- batch_shared_matmul ----

TEST(BatchSharedMatmul, MergesIndependentProductsOfOneWeight) {
  Builder b(ir::DType::F64);
  const auto x = b.input("x", {kBatch, 4});
  const auto w = b.constant({8, 4}, iota_values(32, 1.0), "w");
  const std::vector<NodeId> lefts = {x, b.unary(Op::Sin, x), b.unary(Op::Cos, x), b.scale(x, 2.0), b.mul(x, x)};
  for (size_t i = 0; i < lefts.size(); ++i) b.add_output("t" + std::to_string(i), b.matmul(lefts[i], w, false, true));
  b.add_output("other_weight", b.matmul(x, b.constant({4, 4}, iota_values(16, 2.0), "v")));
  const Graph graph = b.finish();
  ASSERT_EQ(count_op(graph, Op::MatMul), 6);
  const Graph batched = passes::batch_shared_matmul(graph);
  EXPECT_EQ(count_op(batched, Op::MatMul), 2);
  for (const ir::Node& node : batched.nodes()) {
    if (node.op == Op::MatMul && operand(batched, node, 1).attrs.name == "w") {
      EXPECT_EQ(operand(batched, node).shape, (ir::Shape{5, kBatch, 4}));
      EXPECT_TRUE(node.attrs.trans_b);
    }
  }
  expect_same_values(graph, batched);
}

TEST(BatchSharedMatmul, DependentProductsStaySeparate) {
  Builder b(ir::DType::F64);
  const auto x = b.input("x", {kBatch, 4});
  const auto w = b.constant({4, 4}, iota_values(16, 1.0), "w");
  const auto forward = b.matmul(x, w);
  const auto again = b.matmul(b.unary(Op::Sin, forward), w);  // depends on `forward`
  const auto beside = b.matmul(b.unary(Op::Cos, x), w);       // independent of `forward`
  b.add_output("again", again);
  b.add_output("beside", beside);
  const Graph graph = b.finish();
  const Graph batched = passes::batch_shared_matmul(graph);
  ASSERT_NO_THROW(ir::verify(batched));
  // `forward` and `beside` merge; `again` cannot join them.
  EXPECT_EQ(count_op(batched, Op::MatMul), 2);
  EXPECT_EQ(count_op(batched, Op::Concat), 1);
  expect_same_values(graph, batched);
}

TEST(BatchSharedMatmul, MergesAcrossWeightsWithoutCycles) {
  // a1 = x W1, b1 = sin(a2) W1, a2 = x W2, b2 = cos(a1) W2: within each weight the two products are
  // independent, but merging both pairs at once would make each stacked product wait for the other.
  Builder b(ir::DType::F64);
  const auto x = b.input("x", {kBatch, 4});
  const auto w1 = b.constant({4, 4}, iota_values(16, 1.0), "w1");
  const auto w2 = b.constant({4, 4}, iota_values(16, 0.5), "w2");
  const auto a1 = b.matmul(x, w1);
  const auto a2 = b.matmul(x, w2);
  const auto b1 = b.matmul(b.unary(Op::Sin, a2), w1);
  const auto b2 = b.matmul(b.unary(Op::Cos, a1), w2);
  b.add_output("b1", b1);
  b.add_output("b2", b2);
  const Graph graph = b.finish();
  const Graph batched = passes::batch_shared_matmul(graph);
  ASSERT_NO_THROW(ir::verify(batched));
  EXPECT_EQ(count_op(batched, Op::MatMul), 3);
  expect_same_values(graph, batched);
}

// ---- the pipeline ----

TEST(Pipeline, SirenForwardKeepsItsValues) {
  const auto spec = models::parse_siren_spec("siren:in=2,out=3,width=16,hidden=2,omega=30,seed=3");
  const Graph graph = models::build_siren(spec, models::init_siren(spec), ir::DType::F64);
  const Graph optimized = passes::optimize(graph);
  EXPECT_LE(optimized.size(), graph.size());
  EXPECT_EQ(count_op(optimized, Op::MatMul), count_op(graph, Op::MatMul));
  EXPECT_EQ(ir::parameter_count(optimized), ir::parameter_count(graph));
  expect_same_values(graph, optimized);
}

// Forward value and first-order Taylor coefficients of a two-layer tanh MLP, written out the way a
// Taylor transform emits them: one-hot tangent seeds, a zero second-order seed, and one product
// with the second weight per coefficient.
Graph taylor_like_graph() {
  Builder b(ir::DType::F64);
  const auto x = b.input("coords", {kBatch, 2});
  const auto w1 = b.constant({8, 2}, iota_values(16, 1.0), "w1");
  const auto w2 = b.constant({3, 8}, iota_values(24, 0.5), "w2");
  const auto bias = b.broadcast(b.constant({8}, iota_values(8, 0.2), "b1"), {kBatch, 8});
  const auto pre = b.add(b.matmul(x, w1, false, true), bias);
  const auto hidden = b.unary(Op::Tanh, pre);
  const auto one = b.scalar_constant(1.0, {kBatch, 8});
  const auto slope = b.sub(one, b.mul(hidden, hidden));
  std::vector<NodeId> coefficients = {b.matmul(hidden, w2, false, true)};
  for (int dim = 0; dim < 2; ++dim) {
    std::vector<double> unit(2, 0.0);
    unit[static_cast<size_t>(dim)] = 1.0;
    const auto tangent = b.broadcast(b.constant({1, 2}, unit), {kBatch, 2});
    const auto curvature = b.scalar_constant(0.0, {kBatch, 2});
    const auto pre_tangent = b.add(b.matmul(tangent, w1, false, true), b.matmul(curvature, w1, false, true));
    coefficients.push_back(b.matmul(b.mul(slope, pre_tangent), w2, false, true));
  }
  std::vector<NodeId> stacked;
  for (NodeId coefficient : coefficients) stacked.push_back(b.reshape(coefficient, {kBatch, 3, 1}));
  b.add_output("derivatives", b.concat(stacked, 2));
  return b.finish();
}

TEST(Pipeline, TaylorLikeGraphReadsEachWeightOnce) {
  const Graph graph = taylor_like_graph();
  ASSERT_EQ(count_op(graph, Op::MatMul), 7);
  const Graph optimized = passes::optimize(graph);
  // w1: the forward product only (the seeds became gathers, the zero seed vanished); w2: one
  // stacked product for all three coefficients.
  EXPECT_EQ(count_op(optimized, Op::MatMul), 2) << ir::to_text(optimized);
  int reads_of_w2 = 0;
  for (const ir::Node& node : optimized.nodes()) {
    for (NodeId input : node.inputs) reads_of_w2 += optimized.node(input).attrs.name == "w2";
  }
  EXPECT_EQ(reads_of_w2, 1);
  expect_same_values(graph, optimized);
}

TEST(Pipeline, PrintsAfterNamedPassesAndRecordsStatistics) {
  const Graph graph = taylor_like_graph();
  std::ostringstream dumps;
  std::vector<passes::PassStatistics> statistics;
  passes::PipelineOptions options;
  options.print_after = {"simplify"};
  options.print_to = &dumps;
  options.verify_each_pass = true;
  options.statistics = &statistics;
  const Graph optimized = passes::optimize(graph, options);
  EXPECT_NE(dumps.str().find("; *** graph after simplify"), std::string::npos);
  EXPECT_EQ(dumps.str().find("after cse"), std::string::npos);
  ASSERT_GE(statistics.size(), 7u);
  EXPECT_EQ(statistics.front().pass, "fold_constants");
  EXPECT_EQ(statistics.front().nodes_before, static_cast<int64_t>(graph.size()));
  EXPECT_EQ(statistics[statistics.size() - 3].pass, "batch_shared_matmul");
  EXPECT_EQ(statistics.back().pass, "dce");
  EXPECT_EQ(statistics.back().nodes_after, static_cast<int64_t>(optimized.size()));
  EXPECT_EQ(statistics.back().matmuls_after, 2);
  for (size_t i = 1; i < statistics.size(); ++i) {
    EXPECT_EQ(statistics[i].nodes_before, statistics[i - 1].nodes_after);
    EXPECT_EQ(statistics[i].macs_per_point_before, statistics[i - 1].macs_per_point_after);
  }
  EXPECT_EQ(statistics.front().macs_per_point_before, ir::matmul_macs_per_point(graph));

  passes::PipelineOptions unknown;
  unknown.print_after = {"constant_folding"};
  EXPECT_THROW(passes::optimize(graph, unknown), UserError);
}

}  // namespace
}  // namespace inrarch
