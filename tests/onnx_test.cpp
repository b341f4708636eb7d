#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "autodiff/multi_index.h"
#include "exec/reference.h"
#include "models/model.h"
#include "models/npy.h"
#include "models/onnx_export.h"
#include "models/onnx_import.h"
#include "models/siren.h"
#include "test_files.h"
#include "util/error.h"

namespace inrarch {
namespace {

using ir::kBatch;
using models::export_onnx;
using models::import_onnx;
using models::read_npy;
using testing::read_bytes;
using testing::temp_path;
using testing::test_data;
using testing::write_bytes;

// The models that tests/data/make_test_models.py exported, with the prefix of their reference data.
struct TorchModel {
  std::string file;
  std::string data;
  int in;
  int out;
};
const std::vector<TorchModel> kTorchModels = {
    {"siren_2_3.onnx", "siren_2_3", 2, 3}, {"siren_1_1.onnx", "siren_1_1", 1, 1},
    {"siren_3_2.onnx", "siren_3_2", 3, 2}, {"tanh_2_2.onnx", "tanh_2_2", 2, 2},
    {"zoo_opset11.onnx", "zoo", 2, 3},     {"zoo_opset17.onnx", "zoo", 2, 3},
};

Tensor evaluate(const ir::Graph& graph, const Tensor& points) {
  return exec::evaluate_reference(graph, {{graph.node(graph.inputs().at(0)).attrs.name, points}}).at(0);
}

// Elementwise |actual - expected| <= rel * (|expected| + floor).
void expect_close(const Tensor& actual, const Tensor& expected, double rel, double floor, const std::string& what) {
  ASSERT_EQ(actual.shape, expected.shape) << what;
  for (size_t i = 0; i < expected.data.size(); ++i) {
    ASSERT_NEAR(actual.data[i], expected.data[i], rel * (std::fabs(expected.data[i]) + floor)) << what << " element " << i;
  }
}

Tensor random_points(int64_t count, int64_t dims, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  Tensor points({count, dims});
  for (double& value : points.data) value = uniform(random);
  return points;
}

bool onnx_checker_accepts(const std::vector<std::string>& paths) {
  return testing::python_accepts("import onnx, sys; [onnx.checker.check_model(onnx.load(p)) for p in sys.argv[1:]]", paths);
}

std::string import_error(const std::string& path) {
  try {
    import_onnx(path, ir::DType::F64);
  } catch (const UserError& error) {
    return error.what();
  }
  return "";
}

std::map<std::string, int> histogram(const ir::Graph& graph) {
  std::map<std::string, int> counts;
  for (const auto& [op, count] : ir::op_histogram(graph)) counts[op] = count;
  return counts;
}

std::vector<std::string> parameter_names(const ir::Graph& graph) {
  std::vector<std::string> names;
  for (const auto& node : graph.nodes()) {
    if (node.op == ir::Op::Constant && !node.attrs.name.empty()) names.push_back(node.attrs.name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(OnnxImport, TorchModelsMatchPyTorchOutputs) {
  for (const auto& model : kTorchModels) {
    const ir::Graph graph = import_onnx(test_data(model.file), ir::DType::F64);
    ASSERT_EQ(graph.inputs().size(), 1u) << model.file;
    EXPECT_EQ(graph.node(graph.inputs()[0]).attrs.name, "coords");
    EXPECT_EQ(graph.node(graph.inputs()[0]).shape, (ir::Shape{kBatch, model.in}));
    ASSERT_EQ(graph.outputs().size(), 1u);
    EXPECT_EQ(graph.outputs()[0].name, "output");
    EXPECT_EQ(graph.node(graph.outputs()[0].node).shape, (ir::Shape{kBatch, model.out}));
    const Tensor points = read_npy(test_data(model.data + "_points.npy"));
    expect_close(evaluate(graph, points), read_npy(test_data(model.data + "_outputs.npy")), 1e-6, 1e-6, model.file);

    // The batch is symbolic: any number of points evaluates, row by row the same.
    const Tensor first_three({3, model.in}, std::vector<double>(points.data.begin(), points.data.begin() + 3 * model.in));
    const Tensor all = evaluate(graph, points);
    const Tensor some = evaluate(graph, first_three);
    EXPECT_EQ(some.data, std::vector<double>(all.data.begin(), all.data.begin() + 3 * model.out)) << model.file;
  }
}

TEST(OnnxImport, SirenKeepsParametersAndTurnsOmegaIntoScale) {
  const ir::Graph graph = import_onnx(test_data("siren_2_3.onnx"), ir::DType::F32);
  // in=2, width=32, hidden=2, out=3, counted from the architecture.
  EXPECT_EQ(ir::parameter_count(graph), (2 * 32 + 32) + 2 * (32 * 32 + 32) + (32 * 3 + 3));
  EXPECT_EQ(parameter_names(graph),
            (std::vector<std::string>{"net.0.linear.bias", "net.0.linear.weight", "net.1.linear.bias",
                                      "net.1.linear.weight", "net.2.linear.bias", "net.2.linear.weight",
                                      "net.3.bias", "net.3.weight"}));
  auto counts = histogram(graph);
  EXPECT_EQ(counts["matmul"], 4);
  EXPECT_EQ(counts["scale"], 3);
  EXPECT_EQ(counts["sin"], 3);
  EXPECT_EQ(counts["mul"], 0);
  EXPECT_EQ(counts["broadcast"], 4);  // the biases
  for (const auto& node : graph.nodes()) {
    EXPECT_EQ(node.dtype, ir::DType::F32);
    if (node.op == ir::Op::Scale) {
      EXPECT_EQ(node.attrs.scalar, 30.0);
    }
  }
}

TEST(OnnxImport, ZooFoldsShapeArithmeticAndDivisions) {
  for (const char* file : {"zoo_opset11.onnx", "zoo_opset17.onnx"}) {
    const ir::Graph graph = import_onnx(test_data(file), ir::DType::F64);
    auto counts = histogram(graph);
    // Shape/Gather/Unsqueeze/Concat of the batch size folded into static Reshape targets.
    EXPECT_EQ(graph.inputs().size(), 1u);
    EXPECT_GE(counts["reshape"], 2) << file;
    for (const auto& node : graph.nodes()) {
      if (node.op == ir::Op::Reshape) {
        EXPECT_TRUE(ir::has_batch(node.attrs.ints));
      }
    }
    EXPECT_TRUE(std::any_of(graph.nodes().begin(), graph.nodes().end(), [](const ir::Node& node) {
      return node.op == ir::Op::Reshape && node.attrs.ints == ir::Shape{kBatch, 4, 4};
    })) << file;
    // 2.0 * x, x / 3.0 and -0.5 * x become Scale; only the division by a tensor and by the
    // parameter `scales` remain divisions.
    EXPECT_EQ(counts["scale"], 3) << file;
    EXPECT_EQ(counts["div"], 2) << file;
    EXPECT_EQ(counts["slice"], 2) << file;
    EXPECT_EQ(counts["gather"], 1) << file;
    EXPECT_EQ(counts["concat"], 1) << file;
  }
}

// The derivative arrays are the reference for the autodiff tests; check them against finite
// differences of our own forward evaluation (an independent path from torch.autograd).
TEST(OnnxImport, ReferenceDerivativesMatchFiniteDifferences) {
  for (const auto& model : kTorchModels) {
    if (model.file == "zoo_opset17.onnx") continue;  // same data as zoo_opset11
    const ir::Graph graph = import_onnx(test_data(model.file), ir::DType::F64);
    const Tensor points = read_npy(test_data(model.data + "_points.npy"));
    const Tensor derivatives = read_npy(test_data(model.data + "_derivatives.npy"));
    const auto indices = autodiff::multi_indices(model.in, 4);
    const auto count = static_cast<int64_t>(indices.size());
    ASSERT_EQ(derivatives.shape, (std::vector<int64_t>{16, model.out, count}));

    const auto sidecar = nlohmann::json::parse(read_bytes(test_data(model.data + "_derivatives.json")));
    EXPECT_EQ(sidecar["multi_indices"].get<std::vector<autodiff::MultiIndex>>(), indices);
    EXPECT_EQ(sidecar["names"][1].get<std::string>(), "f_x");

    const auto value = [&](int64_t p, int64_t c, const autodiff::MultiIndex& alpha) {
      return derivatives.data[static_cast<size_t>((p * model.out + c) * count + autodiff::multi_index_position(alpha, 4))];
    };
    expect_close(evaluate(graph, points), read_npy(test_data(model.data + "_outputs.npy")), 1e-12, 1e-12, "order 0");
    for (int64_t p = 0; p < 16; ++p) {
      for (int64_t c = 0; c < model.out; ++c) {
        EXPECT_EQ(value(p, c, autodiff::MultiIndex(static_cast<size_t>(model.in), 0)),
                  read_npy(test_data(model.data + "_outputs.npy")).data[static_cast<size_t>(p * model.out + c)]);
      }
    }

    // f at x + s_i e_i + s_j e_j for every point, in one batch.
    const auto shifted = [&](int i, double si, int j, double sj) {
      Tensor moved = points;
      for (int64_t p = 0; p < 16; ++p) {
        moved.data[static_cast<size_t>(p * model.in + i)] += si;
        moved.data[static_cast<size_t>(p * model.in + j)] += sj;
      }
      return evaluate(graph, moved);
    };
    // Central differences; the steps balance truncation (SIREN's omega^k growth) and rounding.
    const double h1 = 1e-6, h2 = 2e-5;
    for (int i = 0; i < model.in; ++i) {
      const Tensor plus = shifted(i, h1, i, 0), minus = shifted(i, -h1, i, 0);
      autodiff::MultiIndex first(static_cast<size_t>(model.in), 0);
      first[static_cast<size_t>(i)] = 1;
      for (int j = i; j < model.in; ++j) {
        const Tensor pp = shifted(i, h2, j, h2), pm = shifted(i, h2, j, -h2), mp = shifted(i, -h2, j, h2),
                     mm = shifted(i, -h2, j, -h2);
        autodiff::MultiIndex second(static_cast<size_t>(model.in), 0);
        ++second[static_cast<size_t>(i)];
        ++second[static_cast<size_t>(j)];
        for (int64_t p = 0; p < 16; ++p) {
          for (int64_t c = 0; c < model.out; ++c) {
            const auto at = static_cast<size_t>(p * model.out + c);
            // For i == j this stencil is the pure second difference with step 2 h2.
            const double second_fd = (pp.data[at] - pm.data[at] - mp.data[at] + mm.data[at]) / (4 * h2 * h2);
            EXPECT_NEAR(second_fd, value(p, c, second), 1e-4 * (std::fabs(value(p, c, second)) + 1.0)) << model.file;
            const double first_fd = (plus.data[at] - minus.data[at]) / (2 * h1);
            EXPECT_NEAR(first_fd, value(p, c, first), 1e-6 * (std::fabs(value(p, c, first)) + 1.0)) << model.file;
          }
        }
      }
    }
  }
}

TEST(OnnxImport, UnsupportedOpNamesTheNodeAndOp) {
  const std::string path = test_data("unsupported_erf.onnx");
  const std::string message = import_error(path);
  EXPECT_EQ(message.rfind(path + ": node '/Erf' (op Erf) is not supported; supported ops: Add, Cast,", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(OnnxImport, MissingFileIsAUserError) {
  EXPECT_NE(import_error("/nonexistent/model.onnx").find("/nonexistent/model.onnx: cannot open"), std::string::npos);
  try {
    models::load_model("/nonexistent/model.onnx", ir::DType::F32);
    FAIL() << "expected a UserError";
  } catch (const UserError& error) {
    EXPECT_EQ(std::string(error.what()).rfind("/nonexistent/model.onnx: no such model file", 0), 0u) << error.what();
  }
}

TEST(OnnxImport, LoadModelAcceptsSpecsAndFiles) {
  const ir::Graph siren = models::load_model("siren:in=3,out=2,width=8,hidden=1", ir::DType::F64);
  EXPECT_EQ(siren.node(siren.inputs().at(0)).shape, (ir::Shape{kBatch, 3}));
  EXPECT_EQ(ir::parameter_count(siren), (3 * 8 + 8) + (8 * 8 + 8) + (8 * 2 + 2));
  const ir::Graph file = models::load_model(test_data("tanh_2_2.onnx"), ir::DType::F64);
  EXPECT_EQ(ir::parameter_count(file), (2 * 24 + 24) + 2 * (24 * 24 + 24) + (24 * 2 + 2));
  EXPECT_THROW(models::load_model("siren:width=0", ir::DType::F64), UserError);
}

// Small hand-built models for the error messages a torch export never triggers.
class HandMadeModel {
 public:
  HandMadeModel() {
    model_.set_ir_version(7);
    auto* opset = model_.add_opset_import();
    opset->set_version(13);
    auto* input = model_.mutable_graph()->add_input();
    input->set_name("x");
    auto* type = input->mutable_type()->mutable_tensor_type();
    type->set_elem_type(onnx::TensorProto::FLOAT);
    type->mutable_shape()->add_dim()->set_dim_param("batch");
    type->mutable_shape()->add_dim()->set_dim_value(2);
    model_.mutable_graph()->add_output()->set_name("y");
  }
  onnx::ModelProto& proto() { return model_; }
  onnx::TensorProto& floats(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& values) {
    auto& tensor = *model_.mutable_graph()->add_initializer();
    tensor.set_name(name);
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t dim : dims) tensor.add_dims(dim);
    for (float value : values) tensor.add_float_data(value);
    return tensor;
  }
  void integers(const std::string& name, const std::vector<int64_t>& values) {
    auto& tensor = *model_.mutable_graph()->add_initializer();
    tensor.set_name(name);
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_dims(static_cast<int64_t>(values.size()));
    for (int64_t value : values) tensor.add_int64_data(value);
  }
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs, const std::string& output) {
    auto& node = *model_.mutable_graph()->add_node();
    node.set_op_type(op);
    node.set_name(op + "_" + std::to_string(model_.graph().node_size() - 1));
    for (const auto& input : inputs) node.add_input(input);
    node.add_output(output);
    return node;
  }
  std::string save(const std::string& name) {
    const std::string path = temp_path(name);
    write_bytes(path, model_.SerializeAsString());
    return path;
  }

 private:
  onnx::ModelProto model_;
};

void set_attribute(onnx::NodeProto& node, const std::string& name, int64_t value) {
  auto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INT);
  attribute->set_i(value);
}

void set_attribute(onnx::NodeProto& node, const std::string& name, float value) {
  auto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::FLOAT);
  attribute->set_f(value);
}

// Gemm's alpha/beta/trans, Reshape with 0 and -1, Squeeze of every unit axis, Flatten, Slice from
// a negative start to "the end", MatMul by a vector and Unsqueeze, against scalar arithmetic.
TEST(OnnxImport, HandMadeOpsMatchScalarArithmetic) {
  HandMadeModel model;
  const std::vector<float> w = {0.5f, -1.0f, 2.0f, 0.25f, -0.75f, 1.5f};  // [3, 2]
  const std::vector<float> c = {0.125f, -0.25f, 0.375f};
  const std::vector<float> v = {2.0f, -3.0f};
  model.floats("w", {3, 2}, w);
  model.floats("c", {3}, c);
  model.floats("v", {2}, v);
  model.integers("shape", {0, -1, 1});
  model.integers("starts", {-2});
  model.integers("ends", {std::numeric_limits<int64_t>::max()});
  model.integers("axes", {1});
  auto& gemm = model.node("Gemm", {"x", "w", "c"}, "g");
  set_attribute(gemm, "alpha", 2.0f);
  set_attribute(gemm, "beta", 0.5f);
  set_attribute(gemm, "transB", int64_t{1});
  model.node("Reshape", {"g", "shape"}, "r");                        // [N, 3, 1]
  model.node("Squeeze", {"r"}, "s");                                  // [N, 3]
  set_attribute(model.node("Flatten", {"s"}, "f"), "axis", int64_t{1});
  model.node("Slice", {"f", "starts", "ends", "axes"}, "t");          // [N, 2]: columns 1, 2
  model.node("MatMul", {"t", "v"}, "m");                              // [N]
  model.node("Unsqueeze", {"m", "axes"}, "y");                        // [N, 1]
  const ir::Graph graph = import_onnx(model.save("hand_made.onnx"), ir::DType::F64);
  EXPECT_EQ(graph.node(graph.outputs().at(0).node).shape, (ir::Shape{kBatch, 1}));

  const Tensor points = random_points(5, 2, 4);
  const Tensor actual = evaluate(graph, points);
  ASSERT_EQ(actual.shape, (std::vector<int64_t>{5, 1}));
  for (size_t p = 0; p < 5; ++p) {
    double expected = 0;
    for (size_t j = 1; j < 3; ++j) {
      const double g = 2.0 * (points.data[2 * p] * w[2 * j] + points.data[2 * p + 1] * w[2 * j + 1]) + 0.5 * c[j];
      expected += g * v[j - 1];
    }
    EXPECT_NEAR(actual.data[p], expected, 1e-12);
  }
}

TEST(OnnxImport, ShapeMismatchNamesTheNode) {
  HandMadeModel model;
  model.floats("w", {3, 4}, std::vector<float>(12, 0.5f));
  model.node("MatMul", {"x", "w"}, "y");
  const std::string path = model.save("mismatch.onnx");
  const std::string message = import_error(path);
  EXPECT_EQ(message.rfind(path + ": node 'MatMul_0' (op MatMul): matmul: contraction sizes differ: 2 vs 3", 0), 0u)
      << message;
}

TEST(OnnxImport, MissingInitializerNamesTheOperand) {
  HandMadeModel model;
  model.node("Gemm", {"x", "w", "b"}, "y");
  const std::string path = model.save("missing.onnx");
  EXPECT_EQ(import_error(path).rfind(path + ": node 'Gemm_0' (op Gemm): operand 'w' is not defined before this node", 0), 0u)
      << import_error(path);
}

TEST(OnnxImport, UnsupportedDataTypesAreNamed) {
  HandMadeModel half;
  half.floats("w", {2, 2}, {}).set_data_type(onnx::TensorProto::FLOAT16);
  half.node("MatMul", {"x", "w"}, "y");
  std::string path = half.save("half.onnx");
  EXPECT_EQ(import_error(path).rfind(path + ": initializer 'w': tensor 'w' has data type FLOAT16, which is not supported", 0), 0u)
      << import_error(path);

  HandMadeModel integer_input;
  integer_input.proto().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(
      onnx::TensorProto::INT64);
  integer_input.node("Relu", {"x"}, "y");
  path = integer_input.save("int_input.onnx");
  EXPECT_EQ(import_error(path).rfind(path + ": input 'x' has data type INT64, which is not supported", 0), 0u)
      << import_error(path);

  HandMadeModel wrong_size;
  wrong_size.floats("w", {2, 3}, std::vector<float>(7, 1.0f));
  wrong_size.node("MatMul", {"x", "w"}, "y");
  path = wrong_size.save("wrong_size.onnx");
  EXPECT_NE(import_error(path).find("tensor 'w' holds 7 values, its shape needs 6"), std::string::npos) << import_error(path);
}

TEST(OnnxImport, OutputNotProducedIsNamed) {
  HandMadeModel model;
  model.node("Relu", {"x"}, "z");
  const std::string path = model.save("no_output.onnx");
  EXPECT_EQ(import_error(path), path + ": output 'y' is not produced by any node");
}

// Whatever the bytes, the importer either succeeds or throws a UserError naming the file.
TEST(OnnxImport, CorruptFilesNeverCrash) {
  const std::string original = read_bytes(test_data("zoo_opset17.onnx"));
  const std::string path = temp_path("corrupt.onnx");
  std::mt19937_64 random(20240611);
  int imported = 0, rejected = 0;
  const auto attempt = [&](const std::string& bytes) {
    write_bytes(path, bytes);
    try {
      const ir::Graph graph = import_onnx(path, ir::DType::F64);
      ir::verify(graph);
      ++imported;
    } catch (const UserError& error) {
      ASSERT_EQ(std::string(error.what()).rfind(path + ": ", 0), 0u) << error.what();
      ASSERT_EQ(std::string(error.what()).find('\n'), std::string::npos) << error.what();
      ++rejected;
    }
  };
  for (size_t length = 0; length < original.size(); length += 1 + length / 64) attempt(original.substr(0, length));
  for (int variant = 0; variant < 600; ++variant) {
    std::string bytes = original;
    const int flips = 1 + static_cast<int>(random() % 4);
    for (int k = 0; k < flips; ++k) bytes[random() % bytes.size()] ^= static_cast<char>(1 + random() % 255);
    attempt(bytes);
  }
  for (int variant = 0; variant < 100; ++variant) {
    std::string bytes(random() % 4096, '\0');
    for (char& byte : bytes) byte = static_cast<char>(random());
    attempt(bytes);
  }
  EXPECT_GT(rejected, 300);
  EXPECT_GT(imported, 10);  // some flips only touch values: those models still import
}

// Exports, imports back, compares; returns the exported file for the ONNX checker.
std::string expect_round_trip(const ir::Graph& graph, const std::string& name, const Tensor& points, double rel) {
  const std::string path = temp_path(name);
  export_onnx(graph, path);
  const ir::Graph back = import_onnx(path, graph.node(0).dtype);
  expect_close(evaluate(back, points), evaluate(graph, points), rel, 1e-12, name);
  EXPECT_EQ(parameter_names(back), parameter_names(graph)) << name;
  EXPECT_EQ(back.node(back.inputs().at(0)).attrs.name, graph.node(graph.inputs().at(0)).attrs.name);
  EXPECT_EQ(back.outputs().size(), graph.outputs().size());
  for (size_t i = 0; i < std::min(back.outputs().size(), graph.outputs().size()); ++i) {
    EXPECT_EQ(back.outputs()[i].name, graph.outputs()[i].name);
  }
  return path;
}

TEST(OnnxExport, BuiltInSirenRoundTrips) {
  const auto spec = models::parse_siren_spec("siren:in=2,out=3,width=16,hidden=2,omega=30,seed=7");
  const ir::Graph f64 = models::build_siren(spec, models::init_siren(spec), ir::DType::F64);
  const std::string f64_path = expect_round_trip(f64, "siren_f64.onnx", random_points(9, 2, 1), 1e-12);
  EXPECT_EQ(histogram(import_onnx(f64_path, ir::DType::F64)), histogram(f64));

  // f32 weights are written as float32, so the round trip rounds them once.
  const ir::Graph f32 = models::build_siren(spec, models::init_siren(spec), ir::DType::F32);
  const std::string f32_path = expect_round_trip(f32, "siren_f32.onnx", random_points(9, 2, 2), 1e-5);
  EXPECT_TRUE(onnx_checker_accepts({f64_path, f32_path}));
}

TEST(OnnxExport, TorchModelsRoundTrip) {
  std::vector<std::string> exported;
  for (const auto& model : kTorchModels) {
    const ir::Graph graph = import_onnx(test_data(model.file), ir::DType::F64);
    exported.push_back(expect_round_trip(graph, "again_" + model.file, read_npy(test_data(model.data + "_points.npy")), 1e-12));
  }
  EXPECT_TRUE(onnx_checker_accepts(exported));
}

// One graph with every IR op, including those no torch export above produces.
ir::Graph every_op_graph() {
  ir::Builder b(ir::DType::F64);
  const auto x = b.input("points", {kBatch, 3});
  const auto w = b.constant({4, 3}, {0.3, -0.2, 0.5, 0.1, 0.7, -0.4, -0.6, 0.2, 0.9, 0.05, -0.3, 0.8}, "w");
  const auto h = b.matmul(x, w, false, true);                         // [N,4]
  const auto stacked = b.concat({b.reshape(h, {1, kBatch, 4}), b.reshape(b.unary(ir::Op::Cos, h), {1, kBatch, 4})}, 0);
  const auto rows = b.matmul(b.transpose(stacked, {0, 2, 1}), w, true, false);  // trans_a on rank 3: [2,N,3]
  const auto mixed = b.transpose(rows, {1, 0, 2});                     // [N,2,3]
  const auto flat = b.reshape(mixed, {kBatch, 6});
  auto y = b.add(b.unary(ir::Op::Tanh, flat), b.unary(ir::Op::Sigmoid, b.neg(flat)));
  y = b.sub(y, b.mul(b.unary(ir::Op::Relu, flat), b.unary(ir::Op::Step, b.scale(flat, -2.0))));
  y = b.div(y, b.add(b.unary(ir::Op::Exp, flat), b.scalar_constant(1.5, {kBatch, 6})));
  y = b.add(y, b.unary(ir::Op::Sin, b.gather(y, 1, {5, 0, 0, 2, 3, 1})));
  const auto summed = b.reduce_sum(b.slice(y, 1, 1, 5), {1}, true);  // [N,1]
  const auto total = b.reduce_sum(x, {0}, false);                      // [3]
  b.add_output("values", b.concat({y, b.broadcast(summed, {kBatch, 2})}, 1));
  b.add_output("total", total);
  ir::Graph graph = b.finish();
  ir::verify(graph);
  return graph;
}

TEST(OnnxExport, EveryOpRoundTrips) {
  const ir::Graph graph = every_op_graph();
  const std::string path = temp_path("every_op.onnx");
  export_onnx(graph, path);
  EXPECT_TRUE(onnx_checker_accepts({path}));
  const ir::Graph back = import_onnx(path, ir::DType::F64);
  const Tensor points = random_points(7, 3, 3);
  const auto expected = exec::evaluate_reference(graph, {{"points", points}});
  const auto actual = exec::evaluate_reference(back, {{"points", points}});
  ASSERT_EQ(actual.size(), 2u);
  for (size_t i = 0; i < 2; ++i) expect_close(actual[i], expected[i], 1e-12, 1e-12, graph.outputs()[i].name);
  EXPECT_EQ(histogram(back)["step"], 1);
}

// A round trip cannot catch a mistake the exporter and importer share; a NumPy interpreter written
// from the ONNX operator specification can.
TEST(OnnxExport, ExportedFilesMeanTheSameUnderNumPy) {
  struct Case {
    std::string name;
    ir::Graph graph;
    Tensor points;
  };
  const auto spec = models::parse_siren_spec("siren:in=2,out=3,width=16,hidden=2,omega=30,seed=3");
  std::vector<Case> cases;
  cases.push_back({"every_op", every_op_graph(), random_points(7, 3, 5)});
  cases.push_back({"siren", models::build_siren(spec, models::init_siren(spec), ir::DType::F64), random_points(9, 2, 6)});
  cases.push_back({"zoo", import_onnx(test_data("zoo_opset17.onnx"), ir::DType::F64), read_npy(test_data("zoo_points.npy"))});
  std::vector<std::string> arguments = {std::string(INRARCH_TEST_DATA) + "/../onnx_numpy_eval.py"};
  for (const auto& test : cases) {
    const std::string model = temp_path("numpy_" + test.name + ".onnx");
    const std::string points = temp_path("numpy_" + test.name + "_points.npy");
    export_onnx(test.graph, model);
    models::write_npy(points, test.points);
    arguments.insert(arguments.end(), {model, points, temp_path("numpy_" + test.name)});
  }
  ASSERT_TRUE(testing::run_python(arguments));
  for (const auto& test : cases) {
    const auto input = test.graph.node(test.graph.inputs().at(0)).attrs.name;
    const auto expected = exec::evaluate_reference(test.graph, {{input, test.points}});
    for (size_t k = 0; k < expected.size(); ++k) {
      const Tensor actual = read_npy(temp_path("numpy_" + test.name + "_" + std::to_string(k) + ".npy"));
      expect_close(actual, expected[k], 1e-12, 1e-12, test.name + " output " + std::to_string(k));
    }
  }
}

TEST(OnnxExport, ClashingOutputNameIsAUserError) {
  ir::Builder b(ir::DType::F32);
  const auto x = b.input("x", {kBatch, 2});
  b.add_output("x", b.unary(ir::Op::Sin, x));
  const ir::Graph graph = b.finish();
  EXPECT_THROW(export_onnx(graph, temp_path("clash.onnx")), UserError);
}

}  // namespace
}  // namespace inrarch
