#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "dataflow/lower.h"
#include "exec/reference.h"
#include "hls_test_graphs.h"
#include "models/siren.h"
#include "util/error.h"

namespace inrarch {
namespace {

using dataflow::Network;
using dataflow::Process;
using dataflow::ProcessKind;

double apply(ir::Op op, double a, double b, double scalar) {
  switch (op) {
    case ir::Op::Neg:
      return -a;
    case ir::Op::Scale:
      return scalar * a;
    case ir::Op::Sin:
      return std::sin(a);
    case ir::Op::Cos:
      return std::cos(a);
    case ir::Op::Tanh:
      return std::tanh(a);
    case ir::Op::Relu:
      return a > 0 ? a : 0;
    case ir::Op::Step:
      return a > 0 ? 1 : 0;
    case ir::Op::Sigmoid:
      return 1 / (1 + std::exp(-a));
    case ir::Op::Exp:
      return std::exp(a);
    case ir::Op::Add:
      return a + b;
    case ir::Op::Sub:
      return a - b;
    case ir::Op::Mul:
      return a * b;
    case ir::Op::Div:
      return a / b;
    default:
      ADD_FAILURE() << "no elementwise op " << ir::op_name(op);
      return 0;
  }
}

int64_t strided_index(const dataflow::StridedConstant& c, int64_t flat) {
  int64_t index = 0;
  for (size_t axis = c.dims.size(); axis-- > 0;) {
    index += (flat % c.dims[axis]) * c.strides[axis];
    flat /= c.dims[axis];
  }
  return index;
}

// Runs a network in double, one tile at a time, following the meaning lower.h documents for each
// process kind: an executor of the network that shares no code with the lowering or the kernels.
std::map<std::string, Tensor> interpret(const Network& network, const std::map<std::string, Tensor>& inputs,
                                        int64_t points) {
  const int64_t k = network.tile_points;
  std::map<std::string, Tensor> outputs;
  for (const auto& port : network.outputs) {
    ir::Shape shape = port.shape;
    for (auto& dim : shape) dim = dim == ir::kBatch ? points : dim;
    outputs[port.name] = Tensor(shape);
  }
  // [pre][points][post] around the points axis of a port.
  const auto around = [](const ir::Shape& shape) {
    int64_t pre = 1, post = 1;
    bool after = false;
    for (int64_t dim : shape) {
      if (dim == ir::kBatch)
        after = true;
      else
        (after ? post : pre) *= dim;
    }
    return std::pair{pre, post};
  };
  for (int64_t tile = 0; tile * k < points; ++tile) {
    std::vector<std::vector<double>> streams(network.streams.size());
    for (const Process& p : network.processes) {
      const auto in = [&](size_t slot) -> const std::vector<double>& {
        return streams[static_cast<size_t>(p.inputs[slot])];
      };
      std::vector<double> out;
      switch (p.kind) {
        case ProcessKind::ReadInput: {
          const auto [pre, post] = around(network.streams[static_cast<size_t>(p.outputs[0])].shape);
          const Tensor& value = inputs.at(p.port);
          for (int64_t a = 0; a < pre; ++a) {
            for (int64_t i = tile * k; i < tile * k + k; ++i) {
              for (int64_t c = 0; c < post; ++c) {
                out.push_back(i < points ? value.data[static_cast<size_t>((a * points + i) * post + c)] : 0.0);
              }
            }
          }
          break;
        }
        case ProcessKind::WriteOutput: {
          const auto [pre, post] = around(network.streams[static_cast<size_t>(p.inputs[0])].shape);
          Tensor& value = outputs.at(p.port);
          size_t e = 0;
          for (int64_t a = 0; a < pre; ++a) {
            for (int64_t i = tile * k; i < tile * k + k; ++i) {
              for (int64_t c = 0; c < post; ++c, ++e) {
                if (i < points) value.data[static_cast<size_t>((a * points + i) * post + c)] = in(0)[e];
              }
            }
          }
          continue;
        }
        case ProcessKind::Fork:
          for (int s : p.outputs) streams[static_cast<size_t>(s)] = in(0);
          continue;
        case ProcessKind::Unary:
          for (double x : in(0)) out.push_back(apply(p.op, x, 0, p.scalar));
          break;
        case ProcessKind::Binary:
          for (size_t i = 0; i < in(0).size(); ++i) out.push_back(apply(p.op, in(0)[i], in(1)[i], 0));
          break;
        case ProcessKind::BinaryConst:
          for (size_t i = 0; i < in(0).size(); ++i) {
            const double c = p.constant.values[static_cast<size_t>(strided_index(p.constant, static_cast<int64_t>(i)))];
            out.push_back(p.constant_first ? apply(p.op, c, in(0)[i], 0) : apply(p.op, in(0)[i], c, 0));
          }
          break;
        case ProcessKind::ConstSource: {
          const auto& stream = network.streams[static_cast<size_t>(p.outputs[0])];
          for (int64_t i = 0; i < stream.tile_elements; ++i) {
            out.push_back(p.constant.values[static_cast<size_t>(strided_index(p.constant, i))]);
          }
          break;
        }
        case ProcessKind::MatMul:
          for (int64_t r = 0; r < p.rows; ++r) {
            for (int64_t n = 0; n < p.cols; ++n) {
              double sum = 0;
              for (int64_t i = 0; i < p.inner; ++i) {
                const int64_t m = p.trans_a_m;
                const int64_t a = p.trans_a ? (r / m) * p.inner * m + i * m + r % m : r * p.inner + i;
                sum += in(0)[static_cast<size_t>(a)] * p.weights[static_cast<size_t>(i * p.cols + n)];
              }
              out.push_back(sum);
            }
          }
          break;
        case ProcessKind::Reduce:
          out.assign(static_cast<size_t>(network.streams[static_cast<size_t>(p.outputs[0])].tile_elements), 0.0);
          for (size_t i = 0; i < in(0).size(); ++i) out[static_cast<size_t>(p.index_map[i])] += in(0)[i];
          break;
        case ProcessKind::Select: {
          size_t e = 0;
          for (int64_t o = 0; o < p.outer; ++o) {
            for (int64_t a = 0; a < p.axis_sizes[0]; ++a) {
              for (int64_t i = 0; i < p.inner_size; ++i, ++e) {
                if (p.keep[static_cast<size_t>(a)]) out.push_back(in(0)[e]);
              }
            }
          }
          break;
        }
        case ProcessKind::Concat: {
          std::vector<size_t> read(p.inputs.size(), 0);
          for (int64_t o = 0; o < p.outer; ++o) {
            for (size_t part = 0; part < p.inputs.size(); ++part) {
              for (int64_t i = 0; i < p.axis_sizes[part] * p.inner_size; ++i) out.push_back(in(part)[read[part]++]);
            }
          }
          break;
        }
        case ProcessKind::Reorder:
          for (int64_t source : p.index_map) out.push_back(in(0)[static_cast<size_t>(source)]);
          break;
      }
      streams[static_cast<size_t>(p.outputs.at(0))] = out;
    }
  }
  return outputs;
}

Tensor random_points(int64_t count, int64_t dims, double seed) {
  Tensor points({count, dims});
  for (size_t i = 0; i < points.data.size(); ++i) points.data[i] = std::sin(seed + 1.7 * static_cast<double>(i));
  return points;
}

// Lowers and interprets `graph` and compares every output with the reference evaluator.
void expect_network_matches_reference(const ir::Graph& graph, const dataflow::LowerOptions& options, int64_t points) {
  const Network network = dataflow::lower(graph, options);
  std::map<std::string, Tensor> inputs;
  for (ir::NodeId id : graph.inputs()) {
    inputs[graph.node(id).attrs.name] = random_points(points, graph.node(id).shape[1], id);
  }
  const auto expected = exec::evaluate_reference(graph, inputs);
  const auto actual = interpret(network, inputs, points);
  for (size_t k = 0; k < graph.outputs().size(); ++k) {
    const Tensor& got = actual.at(graph.outputs()[k].name);
    ASSERT_EQ(got.shape, expected[k].shape) << graph.outputs()[k].name;
    for (size_t i = 0; i < got.data.size(); ++i) {
      ASSERT_NEAR(got.data[i], expected[k].data[i], 1e-12 * (1 + std::fabs(expected[k].data[i])))
          << graph.outputs()[k].name << "[" << i << "]";
    }
  }
}

const Process& process_of(const Network& network, ir::NodeId node, ProcessKind kind) {
  for (const Process& p : network.processes) {
    if (p.node == node && p.kind == kind) return p;
  }
  throw std::runtime_error("no " + std::string(dataflow::kind_name(kind)) + " process for node " +
                           std::to_string(node));
}

models::SirenSpec small_siren() {
  models::SirenSpec spec;
  spec.in = 2;
  spec.out = 3;
  spec.width = 12;
  spec.hidden = 2;
  return spec;
}

TEST(DataflowLower, SirenNetworkComputesTheForwardPass) {
  const auto spec = small_siren();
  const ir::Graph graph = models::build_siren(spec, models::init_siren(spec));
  dataflow::LowerOptions options;
  options.tile_points = 4;
  expect_network_matches_reference(graph, options, 10);  // 3 tiles, the last one partial
}

TEST(DataflowLower, SirenWeightsAndBiasesStayOnChipUnbroadcast) {
  const auto spec = small_siren();
  const auto layers = models::init_siren(spec);
  const ir::Graph graph = models::build_siren(spec, layers);
  dataflow::LowerOptions options;
  options.tile_points = 8;
  const Network network = dataflow::lower(graph, options);
  int matmuls = 0, biases = 0;
  for (const Process& p : network.processes) {
    if (p.kind == ProcessKind::MatMul) {
      const auto& layer = layers[static_cast<size_t>(matmuls++)];
      ASSERT_EQ(p.inner, layer.in);
      ASSERT_EQ(p.cols, layer.out);
      EXPECT_EQ(p.rows, 8);
      // PyTorch layout [out, in] transposed to [in, out].
      for (int i = 0; i < layer.in; ++i) {
        for (int j = 0; j < layer.out; ++j) {
          EXPECT_EQ(p.weights[static_cast<size_t>(i * layer.out + j)],
                    layer.weight[static_cast<size_t>(j * layer.in + i)]);
        }
      }
      EXPECT_EQ(layer.out % p.parallel, 0);
    }
    if (p.kind == ProcessKind::BinaryConst) {
      const auto& layer = layers[static_cast<size_t>(biases++)];
      EXPECT_EQ(p.constant.values, layer.bias);  // out words, not tile * out
      EXPECT_EQ(p.constant.dims, (std::vector<int64_t>{1, 1, 8, layer.out}));
      EXPECT_EQ(p.constant.strides, (std::vector<int64_t>{0, 0, 0, 1}));
    }
    EXPECT_NE(p.kind, ProcessKind::Fork);  // a SIREN has no fan-out
  }
  EXPECT_EQ(matmuls, spec.hidden + 2);
  EXPECT_EQ(biases, spec.hidden + 2);
  for (const auto& stream : network.streams) {
    EXPECT_LT(stream.producer, stream.consumer) << stream.name;  // topological order
    EXPECT_EQ(stream.shape.back() % stream.block, 0) << stream.name;
    EXPECT_EQ(stream.depth, 2) << stream.name;
  }
}

TEST(DataflowLower, DerivativeShapedGraphComputesItsOutputs) {
  dataflow::LowerOptions options;
  options.tile_points = 3;
  expect_network_matches_reference(testing::build_derivative_like(), options, 7);
  options.max_block = 1;
  options.tile_points = 5;
  expect_network_matches_reference(testing::build_derivative_like(), options, 5);
}

TEST(DataflowLower, DerivativeShapedGraphUsesEveryKernel) {
  const Network network = dataflow::lower(testing::build_derivative_like(), {});
  std::map<ProcessKind, int> kinds;
  for (const Process& p : network.processes) ++kinds[p.kind];
  for (ProcessKind kind : {ProcessKind::ReadInput, ProcessKind::WriteOutput, ProcessKind::Fork, ProcessKind::Unary,
                           ProcessKind::Binary, ProcessKind::BinaryConst, ProcessKind::ConstSource, ProcessKind::MatMul,
                           ProcessKind::Reduce, ProcessKind::Select, ProcessKind::Concat, ProcessKind::Reorder}) {
    EXPECT_GT(kinds[kind], 0) << dataflow::kind_name(kind);
  }
  EXPECT_EQ(kinds[ProcessKind::WriteOutput], 2);
  // The stacked matmul serves all three coefficient rows of a tile with one weight read each.
  bool stacked = false;
  bool interleaved = false;  // ... and one reads [3][8][16] tiles, its 16-row groups interleaved
  for (const Process& p : network.processes) {
    if (p.kind != ProcessKind::MatMul || p.rows != 3 * 16) continue;
    stacked = true;
    interleaved = interleaved || (p.trans_a && p.trans_a_m == 16);
  }
  EXPECT_TRUE(stacked);
  EXPECT_TRUE(interleaved);
}

TEST(DataflowLower, FanOutBecomesAForkWhoseFifosHoldATile) {
  const auto design = testing::build_fork_join(8);
  dataflow::LowerOptions options;
  options.tile_points = 4;
  options.max_block = 2;
  const Network network = dataflow::lower(design.graph, options);
  const Process& fork = process_of(network, design.sin, ProcessKind::Fork);
  EXPECT_EQ(fork.name, "fork_" + std::to_string(design.sin));
  ASSERT_EQ(fork.outputs.size(), 2u);
  for (int s : fork.outputs) {
    const auto& stream = network.streams[static_cast<size_t>(s)];
    EXPECT_EQ(stream.block, 2);
    EXPECT_EQ(stream.depth, 4 * 8 / 2);  // one tile of beats
  }
  EXPECT_EQ(network.streams[static_cast<size_t>(fork.outputs[0])].name,
            "fork_" + std::to_string(design.sin) + "_to_matmul_" + std::to_string(design.matmul));
  options.depth_policy = dataflow::DepthPolicy::Uniform;
  for (const auto& stream : dataflow::lower(design.graph, options).streams) EXPECT_EQ(stream.depth, 2);
}

TEST(DataflowLower, ReshapesMoveNoData) {
  ir::Builder b;
  const auto x = b.input("x", {ir::kBatch, 6});
  const auto y = b.unary(ir::Op::Sin, b.reshape(b.unary(ir::Op::Cos, x), {ir::kBatch, 2, 3}));
  b.add_output("y", b.reshape(y, {ir::kBatch, 3, 2}));
  const ir::Graph graph = b.finish();
  dataflow::LowerOptions options;
  options.tile_points = 2;
  const Network network = dataflow::lower(graph, options);
  EXPECT_EQ(network.processes.size(), 4u);  // read, cos, sin, write
  EXPECT_EQ(network.streams[1].block, 1);   // innermost 6 produced, 3 consumed, then 2: B | gcd
  expect_network_matches_reference(graph, options, 5);
}

void expect_rejected(const ir::Graph& graph, const std::string& why) {
  try {
    dataflow::lower(graph, {});
    ADD_FAILURE() << "expected a UserError containing \"" << why << "\"";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find(why), std::string::npos) << error.what();
  }
}

TEST(DataflowLower, RejectsOpsThatMixPoints) {
  {
    ir::Builder b;
    b.add_output("y", b.reduce_sum(b.input("x", {ir::kBatch, 3}), {0}, true));
    expect_rejected(b.finish(), "%1 reduce_sum [1,3]: sums over the points");
  }
  {
    ir::Builder b;
    const auto x = b.input("x", {ir::kBatch, 3});
    b.add_output("y", b.matmul(x, x, true, false));
    expect_rejected(b.finish(), "contracts over the points");
  }
  {
    ir::Builder b;
    b.add_output("y", b.reshape(b.input("x", {ir::kBatch, 3, 2}), {3, ir::kBatch, 2}));
    expect_rejected(b.finish(), "moves the points axis");
  }
  {
    ir::Builder b;
    b.add_output("y", b.unary(ir::Op::Sin, b.input("x", {4})));
    expect_rejected(b.finish(), "input \"x\" has no points axis");
  }
}

}  // namespace
}  // namespace inrarch
