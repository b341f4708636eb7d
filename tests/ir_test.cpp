#include <gtest/gtest.h>

#include "exec/reference.h"
#include "ir/graph.h"
#include "models/siren.h"

namespace inrarch {
namespace {

using ir::Builder;
using ir::kBatch;

TEST(Builder, HashConsingCreatesStructurallyEqualNodesOnce) {
  Builder b;
  const auto x = b.input("x", {kBatch, 4});
  const auto s1 = b.unary(ir::Op::Sin, x);
  const auto s2 = b.unary(ir::Op::Sin, x);
  EXPECT_EQ(s1, s2);
  const auto c1 = b.constant({2}, {1.0, 2.0});
  const auto c2 = b.constant({2}, {1.0, 2.0});
  const auto c3 = b.constant({2}, {1.0, 3.0});
  EXPECT_EQ(c1, c2);
  EXPECT_NE(c1, c3);
  // Named parameters stay distinct even with equal values: they are trained separately.
  EXPECT_NE(b.constant({2}, {1.0, 2.0}, "w"), c1);
  EXPECT_NE(b.scale(x, 2.0), b.scale(x, 3.0));
}

TEST(Builder, ShapeInference) {
  Builder b;
  const auto x = b.input("x", {kBatch, 4});
  const auto w = b.constant({3, 4}, std::vector<double>(12, 0.5));
  EXPECT_EQ(b.shape(b.matmul(x, w, false, true)), (ir::Shape{kBatch, 3}));
  const auto stacked = b.concat({b.reshape(x, {1, kBatch, 4}), b.reshape(x, {1, kBatch, 4})}, 0);
  EXPECT_EQ(b.shape(stacked), (ir::Shape{2, kBatch, 4}));
  EXPECT_EQ(b.shape(b.matmul(stacked, w, false, true)), (ir::Shape{2, kBatch, 3}));
  EXPECT_EQ(b.shape(b.matmul(x, x, true, false)), (ir::Shape{4, 4}));
  EXPECT_EQ(b.shape(b.reduce_sum(x, {0}, false)), (ir::Shape{4}));
  EXPECT_EQ(b.shape(b.reduce_sum(x, {-1}, true)), (ir::Shape{kBatch, 1}));
  EXPECT_EQ(b.shape(b.slice(x, 1, 1, 3)), (ir::Shape{kBatch, 2}));
  EXPECT_EQ(b.shape(b.gather(x, 1, {3, 0, 0})), (ir::Shape{kBatch, 3}));
  EXPECT_EQ(b.shape(b.transpose(x, {1, 0})), (ir::Shape{4, kBatch}));
  EXPECT_EQ(b.shape(b.broadcast(b.constant({4}, {1, 2, 3, 4}), {kBatch, 4})), (ir::Shape{kBatch, 4}));
}

TEST(Builder, ShapeErrorsNameTheOpAndShapes) {
  Builder b;
  const auto x = b.input("x", {kBatch, 4});
  const auto w = b.constant({3, 5}, std::vector<double>(15, 0.5));
  try {
    b.matmul(x, w, false, true);
    FAIL() << "matmul with mismatched contraction sizes was accepted";
  } catch (const ir::Error& error) {
    EXPECT_NE(std::string(error.what()).find("matmul: contraction sizes differ: 4 vs 5"), std::string::npos)
        << error.what();
  }
  EXPECT_THROW(b.add(x, b.input("y", {kBatch, 3})), ir::Error);
  EXPECT_THROW(b.slice(x, 0, 0, 1), ir::Error);  // the batch axis has no static size
  EXPECT_THROW(b.slice(x, 1, 2, 9), ir::Error);
  EXPECT_THROW(b.gather(x, 1, {4}), ir::Error);
  EXPECT_THROW(b.transpose(x, {0, 0}), ir::Error);
  EXPECT_THROW(b.reshape(x, {kBatch, 5}), ir::Error);
  EXPECT_THROW(b.broadcast(x, {kBatch, 8}), ir::Error);
  EXPECT_THROW(b.constant({2, 2}, {1.0}), ir::Error);
  EXPECT_THROW(b.concat({x, x}, 0), ir::Error);
}

TEST(Verifier, AcceptsBuiltGraphsAndNamesBrokenNodes) {
  const auto spec = models::parse_siren_spec("siren:in=2,out=3,width=8,hidden=1,omega=30,seed=1");
  const ir::Graph graph = models::build_siren(spec, models::init_siren(spec));
  EXPECT_NO_THROW(ir::verify(graph));

  std::vector<ir::Node> nodes = graph.nodes();
  nodes[3].shape = {kBatch, 9};
  try {
    ir::verify(ir::Graph(nodes, graph.outputs()));
    FAIL() << "a wrong recorded shape passed the verifier";
  } catch (const ir::Error& error) {
    EXPECT_NE(std::string(error.what()).find("%3 matmul: recorded shape [N,9] but its rule gives [N,8]"),
              std::string::npos)
        << error.what();
  }
  nodes = graph.nodes();
  nodes[2].inputs = {7};
  EXPECT_THROW(ir::verify(ir::Graph(nodes, graph.outputs())), ir::Error);
  EXPECT_THROW(ir::verify(ir::Graph(graph.nodes(), {{"y", 999}})), ir::Error);
}

TEST(Printers, TextAndDotNameOpsAndShapes) {
  const auto spec = models::parse_siren_spec("siren:in=2,out=1,width=4,hidden=0,omega=30,seed=0");
  const ir::Graph graph = models::build_siren(spec, models::init_siren(spec));
  const std::string text = ir::to_text(graph);
  EXPECT_NE(text.find("matmul(%0, %1) trans_b : f32[N,4]"), std::string::npos) << text;
  EXPECT_NE(text.find("output \"output\""), std::string::npos);
  const std::string dot = ir::to_dot(graph);
  EXPECT_EQ(dot.rfind("digraph inrarch {", 0), 0u);
  EXPECT_NE(dot.find("label=\"[N,4]\""), std::string::npos);
}

TEST(Reference, MatchesHandComputedOps) {
  Builder b(ir::DType::F64);
  const auto x = b.input("x", {kBatch, 2});
  const auto w = b.constant({2, 3}, {1, 2, 3, 4, 5, 6});
  const auto y = b.matmul(x, w);                          // [N,3]
  const auto t = b.transpose(y, {1, 0});                  // [3,N]
  const auto s = b.reduce_sum(y, {1}, true);              // [N,1]
  const auto g = b.gather(y, 1, {2, 0});                  // [N,2]
  const auto c = b.concat({g, b.slice(y, 1, 1, 2)}, 1);   // [N,3]
  const auto bc = b.broadcast(b.constant({3}, {10, 20, 30}), {kBatch, 3});
  b.add_output("y", y);
  b.add_output("t", t);
  b.add_output("s", s);
  b.add_output("c", b.add(c, bc));
  const auto graph = b.finish();
  const auto out = exec::evaluate_reference(graph, {{"x", Tensor({2, 2}, {1, 0, 1, 1})}});
  EXPECT_EQ(out[0].data, (std::vector<double>{1, 2, 3, 5, 7, 9}));
  EXPECT_EQ(out[1].shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(out[1].data, (std::vector<double>{1, 5, 2, 7, 3, 9}));
  EXPECT_EQ(out[2].data, (std::vector<double>{6, 21}));
  EXPECT_EQ(out[3].data, (std::vector<double>{13, 21, 32, 19, 25, 37}));
}

TEST(Reference, RejectsMissingOrMisshapenInputs) {
  Builder b;
  const auto x = b.input("x", {kBatch, 2});
  b.add_output("y", b.unary(ir::Op::Exp, x));
  const auto graph = b.finish();
  EXPECT_THROW(exec::evaluate_reference(graph, {}), ir::Error);
  EXPECT_THROW(exec::evaluate_reference(graph, {{"x", Tensor({2, 3}, std::vector<double>(6, 0.0))}}), ir::Error);
}

}  // namespace
}  // namespace inrarch
