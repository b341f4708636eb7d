// INSP-Net heads (src/apps/insp.h). Oracles: PyTorch (a head made and exported by
// tests/data/make_insp_head.py, evaluated there on INSP-Net's own export-loop features), the
// separate evaluation of the derivative graph and the head graph (the fused graph must equal it),
// and, for training, the identity baseline (the INR's own image) against the pixel-domain target.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "apps/default_image.h"
#include "apps/image.h"
#include "apps/insp.h"
#include "apps/pixel_filters.h"
#include "autodiff/derive.h"
#include "exec/reference.h"
#include "models/npy.h"
#include "models/onnx_export.h"
#include "models/onnx_import.h"
#include "models/siren.h"
#include "test_files.h"
#include "util/error.h"

namespace inrarch::apps {
namespace {

using testing::temp_path;
using testing::test_data;

// The largest |a - b| over all elements, divided by the largest |b| (so 1e-9 means 9 digits agree).
double relative_error(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape, b.shape);
  double worst = 0.0, scale = 0.0;
  for (size_t i = 0; i < a.data.size() && i < b.data.size(); ++i) {
    worst = std::max(worst, std::abs(a.data[i] - b.data[i]));
    scale = std::max(scale, std::abs(b.data[i]));
  }
  return worst / scale;
}

// The SIREN of tests/data/insp_reference (make_insp_reference.py), in double.
ir::Graph reference_siren() {
  const std::string folder = test_data("insp_reference/");
  const models::SirenSpec spec = models::parse_siren_spec("siren:in=2,out=3,width=16,hidden=2,omega=30");
  std::vector<models::DenseLayer> layers;
  for (int k = 0; k < spec.hidden + 2; ++k) {
    const Tensor weight = models::read_npy(folder + "net." + std::to_string(k) + ".weight.npy");
    const Tensor bias = models::read_npy(folder + "net." + std::to_string(k) + ".bias.npy");
    layers.push_back({static_cast<int>(weight.shape[1]), static_cast<int>(weight.shape[0]), weight.data, bias.data});
  }
  return models::build_siren(spec, layers, ir::DType::F64);
}

ir::Graph small_siren(uint64_t seed, double omega = 30.0, int width = 16, int hidden = 1) {
  models::SirenSpec spec;
  spec.width = width;
  spec.hidden = hidden;
  spec.omega = omega;
  spec.seed = seed;
  return models::build_siren(spec, models::init_siren(spec), ir::DType::F64);
}

// A head with random weights, large enough that each feature changes the output.
InspHead random_head(const autodiff::DeriveSpec& features, int64_t feature_width, uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> weight(-1.0, 1.0);
  InspHead head{features, {}};
  const int sizes[] = {static_cast<int>(feature_width), 8, 8, 2};
  for (int k = 0; k < 3; ++k) {
    models::DenseLayer layer{sizes[k], sizes[k + 1], {}, {}};
    for (int i = 0; i < layer.in * layer.out; ++i) layer.weight.push_back(weight(engine));
    for (int i = 0; i < layer.out; ++i) layer.bias.push_back(0.1 * weight(engine));
    head.layers.push_back(layer);
  }
  return head;
}

Tensor random_points(int64_t count, uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> coordinate(-1.0, 1.0);
  Tensor points({count, 2});
  for (double& value : points.data) value = coordinate(engine);
  return points;
}

// ---------------------------------------------------------------------------------------------
// Heads from PyTorch

TEST(InspNetOnnx, PyTorchHeadImportsAndMatchesPyTorchOnInspNetFeatures) {
  const ir::Graph head = load_head(test_data("insp_head/insp_head.onnx"), ir::DType::F64);
  const autodiff::DeriveSpec spec = head_features(head, 3, 2);
  EXPECT_EQ(spec.layout, autodiff::Layout::Insp);
  EXPECT_EQ(spec.insp_calls, 31);
  const Tensor features = models::read_npy(test_data("insp_reference/features.npy"));
  const Tensor ours = exec::evaluate_reference(head, {{"insp_calls31", features}}).at(0);
  const Tensor torch = models::read_npy(test_data("insp_head/outputs.npy"));
  // Same float32 weights, both sides compute in double: only summation order differs.
  EXPECT_LT(relative_error(ours, torch), 1e-12);
}

TEST(InspNetOnnx, FusedGraphOfTheSirenAndThePyTorchHeadMatchesPyTorch) {
  // INSP-Net's pipeline end to end in PyTorch (export loop, then head) against ONE inrarch graph.
  const ir::Graph fused = build_insp_graph(reference_siren(), load_head(test_data("insp_head/insp_head.onnx"), ir::DType::F64));
  ASSERT_EQ(fused.inputs().size(), 1u);
  const Tensor coords = models::read_npy(test_data("insp_reference/coords.npy"));
  const Tensor ours = exec::evaluate_reference(fused, {{"coords", coords}}).at(0);
  const Tensor torch = models::read_npy(test_data("insp_head/outputs.npy"));
  // The features agree with PyTorch's to ~1e-9 of each feature's largest magnitude
  // (InspLayout.MatchesInspNetExportLoopInPyTorch) and the head's first layer divides each by
  // that magnitude, so the outputs agree to about the same relative error.
  EXPECT_LT(relative_error(ours, torch), 1e-8);
}

TEST(InspNetOnnx, LeakyReluMatchesPyTorch) {
  const ir::Graph graph = models::import_onnx(test_data("insp_head/leaky_relu.onnx"), ir::DType::F64);
  const Tensor x = models::read_npy(test_data("insp_head/leaky_relu_inputs.npy"));
  const Tensor ours = exec::evaluate_reference(graph, {{"x", x}}).at(0);
  EXPECT_LT(relative_error(ours, models::read_npy(test_data("insp_head/leaky_relu_outputs.npy"))), 1e-15);
}

// ---------------------------------------------------------------------------------------------
// Fusion

// The fused graph against the same computation done in two separate graphs: the derivative graph
// evaluated alone, its features flattened here, then the head graph evaluated on them.
void expect_fused_equals_separate(const autodiff::DeriveSpec& features) {
  const ir::Graph inr = small_siren(3);
  const int64_t width = feature_count(features, 3, 2);
  const ir::Graph head = build_head_graph(random_head(features, width, 5), ir::DType::F64);
  const Tensor points = random_points(12, 7);

  Tensor separate_features = exec::evaluate_reference(autodiff::derive(inr, features), {{"coords", points}}).at(0);
  separate_features.shape = {12, width};  // [N, C, M] row-major is [N, C * M] channel-major
  const Tensor separate =
      exec::evaluate_reference(head, {{feature_input_name(features), separate_features}}).at(0);

  const ir::Graph fused = build_insp_graph(inr, head);
  ASSERT_EQ(fused.outputs().size(), 1u);
  EXPECT_EQ(fused.outputs()[0].name, "output");
  int head_parameters = 0;
  for (const ir::Node& node : fused.nodes()) head_parameters += node.attrs.name.rfind("insp_head.head.", 0) == 0;
  EXPECT_EQ(head_parameters, 6);  // 3 layers, weight and bias each, renamed
  EXPECT_LT(relative_error(exec::evaluate_reference(fused, {{"coords", points}}).at(0), separate), 1e-12);
}

TEST(InspNetFusion, FusedGraphEqualsHeadOnSeparatelyComputedInspFeatures) {
  autodiff::DeriveSpec features = insp_net_features();
  features.insp_calls = 9;  // orders 0..2 with both mixed partials, as INR-Arch's order-2 workload
  expect_fused_equals_separate(features);
}

TEST(InspNetFusion, FusedGraphEqualsHeadOnSeparatelyComputedUniqueFeatures) {
  autodiff::DeriveSpec features;
  features.order = 3;
  expect_fused_equals_separate(features);
}

TEST(InspNetFusion, LayoutComesFromTheInputNameOrInspNetsWidth) {
  autodiff::DeriveSpec unique;
  unique.order = 2;
  EXPECT_EQ(feature_input_name(unique), "unique_order2");
  const ir::Graph named = build_head_graph(random_head(unique, 18, 1));
  const autodiff::DeriveSpec read = head_features(named, 3, 2);
  EXPECT_EQ(read.layout, autodiff::Layout::Unique);
  EXPECT_EQ(read.order, 2);

  // Any other name: INSP-Net's layout, calls from the width (65 = 3 + 2 * 31).
  const auto head_with_input = [](const std::string& name, int64_t width) {
    ir::Builder builder;
    builder.add_output("y", builder.unary(ir::Op::Relu, builder.input(name, {ir::kBatch, width})));
    return builder.finish();
  };
  const autodiff::DeriveSpec inferred = head_features(head_with_input("grad", 65), 3, 2);
  EXPECT_EQ(inferred.layout, autodiff::Layout::Insp);
  EXPECT_EQ(inferred.insp_calls, 31);
  EXPECT_THROW(head_features(head_with_input("grad", 64), 3, 2), UserError);
  // A named layout whose width the INR cannot give.
  EXPECT_THROW(build_insp_graph(small_siren(1), head_with_input("unique_order2", 17)), UserError);
}

TEST(InspNetFusion, ExportedHeadKeepsItsLayoutAndValues) {
  autodiff::DeriveSpec features = insp_net_features();
  features.insp_calls = 3;
  const InspHead head = random_head(features, 9, 11);
  const std::string path = temp_path("insp_head_export.onnx");
  models::export_onnx(build_head_graph(head, ir::DType::F64), path);
  const ir::Graph loaded = load_head(path, ir::DType::F64);
  EXPECT_EQ(head_features(loaded, 3, 2).insp_calls, 3);
  Tensor features_in({5, 9});
  for (size_t i = 0; i < features_in.data.size(); ++i) features_in.data[i] = std::sin(static_cast<double>(i));
  const std::map<std::string, Tensor> inputs = {{"insp_calls3", features_in}};
  EXPECT_LT(relative_error(exec::evaluate_reference(loaded, inputs).at(0),
                           exec::evaluate_reference(build_head_graph(head, ir::DType::F64), inputs).at(0)),
            1e-15);
}

// ---------------------------------------------------------------------------------------------
// Tasks and training

TEST(InspNetTask, DenoiseInputAddsGaussianNoiseOfTheRequestedDeviation) {
  const Image clean = default_image_variant(4, 64, 64);
  InspTaskOptions options;
  options.noise_sigma = 0.2;
  const Image noisy = task_input(InspTask::Denoise, clean, options, 9);
  double sum = 0.0, squares = 0.0;
  for (size_t i = 0; i < clean.pixels.size(); ++i) {
    const double noise = static_cast<double>(noisy.pixels[i]) - clean.pixels[i];
    sum += noise;
    squares += noise * noise;
  }
  const auto n = static_cast<double>(clean.pixels.size());
  // 12288 samples: the sample mean's deviation is 0.2 / sqrt(n) = 0.0018, the sample deviation's
  // relative deviation 1 / sqrt(2 n) = 0.6%; the bounds are five of those.
  EXPECT_LT(std::abs(sum / n), 0.009);
  EXPECT_NEAR(std::sqrt(squares / n), 0.2, 0.2 * 0.032);
  EXPECT_EQ(task_input(InspTask::Denoise, clean, options, 9).pixels, noisy.pixels);
  EXPECT_EQ(task_input(InspTask::Blur, clean, options, 9).pixels, clean.pixels);
  EXPECT_EQ(task_target(InspTask::Sharpen, clean, options).pixels, laplacian_sharpen(clean, 1.0).pixels);
  EXPECT_THROW(parse_insp_task("deblur"), UserError);
}

TEST(InspNetTask, ImageVariantsAreDeterministicAndDiffer) {
  EXPECT_EQ(default_image_variant(0, 32, 32).pixels, default_image(32, 32).pixels);
  const Image a = default_image_variant(1, 32, 32);
  EXPECT_EQ(default_image_variant(1, 32, 32).pixels, a.pixels);
  EXPECT_LT(psnr(a, default_image_variant(2, 32, 32)), 20.0);
  EXPECT_LT(psnr(a, default_image(32, 32)), 20.0);
  for (float value : a.pixels) {
    EXPECT_GE(value, 0.0f);
    EXPECT_LE(value, 1.0f);
  }
}

TEST(InspNetTrain, ReducesTheLossAndBeatsTheIdentityOnSmallBlur) {
  // Blur: the target is the Gaussian blur of the INR's own image, so no fitting is needed. Random
  // SIRENs (omega 20, last layer x3 for a colour range of about 0.5) give multi-colour images with
  // detail at a few pixels on a 12x12 grid, so blurring by 1 pixel costs the identity 22-26 dB.
  // The head reads the unique layout to order 2, which holds the heat-equation step
  // f + (sigma^2 / 2) lap f that approximates the blur.
  constexpr int64_t kSize = 12;
  InspTaskOptions task;
  task.blur_sigma = 1.0;
  std::vector<InspExample> examples;
  std::vector<Image> identities;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    models::SirenSpec spec;
    spec.width = 16;
    spec.hidden = 1;
    spec.omega = 20.0;
    spec.seed = seed;
    std::vector<models::DenseLayer> layers = models::init_siren(spec);
    for (double& weight : layers.back().weight) weight *= 3.0;
    const ir::Graph inr = models::build_siren(spec, layers, ir::DType::F64);
    identities.push_back(render_on_grid(inr, kSize, kSize, reference_runner_factory()));
    examples.push_back({inr, task_target(InspTask::Blur, identities.back(), task)});
  }
  InspTrainOptions options;
  options.features = autodiff::DeriveSpec{};
  options.features.order = 2;
  options.head = {16, 1};
  options.steps = 200;
  options.lr = 1e-2;
  options.batch = 0;
  std::vector<double> losses;
  const InspHead head = train_insp_head(examples, options, [&](int, double loss) { losses.push_back(loss); });
  ASSERT_EQ(losses.size(), 200u);
  // Measured: the loss falls about 55-fold; a tenth leaves a wide margin for other platforms' rounding.
  EXPECT_LT(losses.back(), 0.1 * losses.front());

  // Measured: 8 to 11 dB better than the identity on each image. 5 dB means the head removed more
  // than two thirds of the identity's squared error: it used the derivatives, not just f.
  const ir::Graph head_graph = build_head_graph(head, ir::DType::F64);
  for (size_t i = 0; i < examples.size(); ++i) {
    const Image edited =
        render_on_grid(build_insp_graph(examples[i].inr, head_graph), kSize, kSize, reference_runner_factory());
    EXPECT_GT(psnr(edited, examples[i].target), psnr(identities[i], examples[i].target) + 5.0) << "example " << i;
  }
}

// ---------------------------------------------------------------------------------------------
// Command line

// Runs the inrarch binary; returns its exit code and appends its stdout and stderr to `output`.
int run_cli(const std::string& arguments, std::string& output) {
  FILE* pipe = popen((std::string(INRARCH_CLI) + " " + arguments + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  char buffer[4096];
  while (size_t read = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, read);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(InspNetCli, TrainWritesAHeadThatApplyFusesIntoTheImageTheLibraryComputes) {
  const std::string model = "siren:in=2,out=3,width=8,hidden=1,omega=20,seed=1";
  const std::string head_path = temp_path("cli_head.onnx"), image_path = temp_path("cli_edit.png");
  std::string output;
  ASSERT_EQ(run_cli("insp train --task sharpen --model " + model +
                        " --size 10x10 --layout unique --order 2 --width 8 --hidden 1 --steps 5 -o " + head_path,
                    output),
            0)
      << output;
  EXPECT_NE(output.find("train head"), std::string::npos) << output;  // the progress bar
  EXPECT_NE(output.find("unique_order2"), std::string::npos) << output;
  ASSERT_EQ(run_cli("insp apply " + model + " --head " + head_path + " --size 6x9 -o " + image_path, output), 0)
      << output;

  const Image written = read_image(image_path);
  ASSERT_EQ(written.height, 6);
  ASSERT_EQ(written.width, 9);
  const Image expected = render_on_grid(
      build_insp_graph(models::build_siren(models::parse_siren_spec(model),
                                           models::init_siren(models::parse_siren_spec(model)), ir::DType::F64),
                       load_head(head_path, ir::DType::F64)),
      6, 9, reference_runner_factory());
  for (size_t i = 0; i < written.pixels.size(); ++i) {
    const float clamped = std::clamp(expected.pixels[i], 0.0f, 1.0f);
    EXPECT_NEAR(written.pixels[i], clamped, 0.5f / 255.0f + 1e-5f) << "value " << i;  // 8-bit rounding
  }

  output.clear();
  EXPECT_EQ(run_cli("insp train --task deblur -o " + head_path, output), 2);
  EXPECT_NE(output.find("unknown task \"deblur\""), std::string::npos) << output;
}

TEST(InspNetCli, InrCacheReusesTheFittedSirensExactly) {
  const std::string cache = temp_path("insp_inr_cache");
  const std::string arguments = "insp train --task denoise --size 8x8 --images 1 --test-images 1 --fit-width 8 "
                                "--fit-hidden 0 --fit-steps 3 --layout unique --order 1 --width 4 --hidden 0 "
                                "--steps 3 --inr-cache " + cache + " -o ";
  std::string first, second;
  ASSERT_EQ(run_cli(arguments + temp_path("cached_1.onnx"), first), 0) << first;
  EXPECT_EQ(first.find("reusing"), std::string::npos) << first;
  ASSERT_EQ(run_cli(arguments + temp_path("cached_2.onnx"), second), 0) << second;
  // Both fits (training image 0, held-out image 1001) come from the cache, bit for bit: the head
  // trained on them is the same file.
  EXPECT_NE(second.find("reusing " + cache + "/variant0_8x8_"), std::string::npos) << second;
  EXPECT_NE(second.find("reusing " + cache + "/variant1001_8x8_"), std::string::npos) << second;
  EXPECT_EQ(second.find("fit "), std::string::npos) << second;
  EXPECT_EQ(testing::read_bytes(temp_path("cached_1.onnx")), testing::read_bytes(temp_path("cached_2.onnx")));
}

}  // namespace
}  // namespace inrarch::apps
