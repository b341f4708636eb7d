// Hand-built graphs shaped like derivative graphs, shared by the dataflow and HLS tests: they
// exercise what the Taylor and nested-reverse transforms produce before those transforms exist.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace inrarch::testing {

inline std::vector<double> ramp(int64_t count, double scale, double offset = 0.0) {
  std::vector<double> values;
  for (int64_t i = 0; i < count; ++i)
    values.push_back(scale * (static_cast<double>((i * 7919) % 23) - 11.0) / 11.0 + offset);
  return values;
}

// INR-Arch's Mm-vs-Cos fork/join: h = sin(x) feeds a matmul (which buffers a whole tile before it
// produces) and a cos (which streams); their results are joined by an add.
struct ForkJoin {
  ir::Graph graph;
  ir::NodeId sin, matmul, cos, add;
};

inline ForkJoin build_fork_join(int64_t width) {
  ir::Builder b(ir::DType::F32);
  ForkJoin result;
  const auto x = b.input("x", {ir::kBatch, width});
  result.sin = b.unary(ir::Op::Sin, x);
  result.matmul = b.matmul(result.sin, b.constant({width, width}, ramp(width * width, 0.3), "w"));
  result.cos = b.unary(ir::Op::Cos, result.sin);
  result.add = b.add(result.matmul, result.cos);
  b.add_output("y", result.add);
  result.graph = b.finish();
  return result;
}

// A graph with the structure of a derivative graph: a forward value fans out into a matmul branch
// and an elementwise branch that join again (mul of two streams); Taylor-style stacking of
// coefficient rows into one rank-3 matmul [3, N, 8] x [8, 4], and one through trans_a (the rows
// of a [3][8][K] tile interleave in the stream); a constant broadcast over the stack subtracted
// from it (constant first); transpose, slice, reduce, unsorted gather, concat with a broadcast
// constant; a binary op reading one value twice; every elementwise op; reshapes; two outputs.
inline ir::Graph build_derivative_like() {
  ir::Builder b(ir::DType::F32);
  const int64_t n = ir::kBatch;
  const auto x = b.input("coords", {n, 2});
  auto a = b.matmul(x, b.constant({2, 8}, ramp(16, 1.0), "w0"));
  a = b.add(a, b.broadcast(b.constant({8}, ramp(8, 0.5), "b0"), {n, 8}));
  const auto h = b.unary(ir::Op::Sin, b.scale(a, 3.0));
  const auto g = b.unary(ir::Op::Cos, h);
  const auto t = b.matmul(h, b.constant({8, 8}, ramp(64, 0.4), "w1"), false, true);
  const auto joined = b.mul(t, g);
  const auto row = [&](ir::NodeId v) { return b.reshape(v, {1, n, 8}); };
  const auto stack = b.concat({row(h), row(joined), row(g)}, 0);
  const auto m3 = b.matmul(stack, b.constant({8, 4}, ramp(32, 0.6), "w2"));
  const auto m3t = b.matmul(b.transpose(stack, {0, 2, 1}), b.constant({8, 4}, ramp(32, -0.3), "w3"), true, false);
  const auto shifted = b.sub(b.broadcast(b.constant({3, 1, 4}, ramp(12, 1.0, 0.25)), {3, n, 4}), b.add(m3, m3t));
  const auto transposed = b.transpose(shifted, {1, 0, 2});
  const auto sliced = b.slice(transposed, 2, 1, 3);
  const auto reduced = b.reduce_sum(transposed, {2}, false);
  const auto gathered = b.gather(reduced, 1, {2, 0});
  const auto ops = b.add(b.unary(ir::Op::Relu, gathered),
                         b.add(b.unary(ir::Op::Step, gathered),
                               b.add(b.unary(ir::Op::Sigmoid, gathered),
                                     b.add(b.unary(ir::Op::Exp, b.neg(gathered)), b.unary(ir::Op::Tanh, gathered)))));
  const auto divided = b.div(ops, b.broadcast(b.constant({2}, {2.0, -4.0}), {n, 2}));
  const auto same_twice = b.sub(gathered, gathered);  // both operands one stream: a fork into one process
  b.add_output("stacked", b.reshape(sliced, {n, 6}));
  b.add_output("mixed", b.concat({divided, same_twice, b.broadcast(b.constant({1, 3}, {0.5, -1.5, 2.5}), {n, 3})}, 1));
  return b.finish();
}

}  // namespace inrarch::testing
