#include "cli/insp_commands.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "apps/default_image.h"
#include "apps/engine_runner.h"
#include "apps/fit.h"
#include "apps/insp.h"
#include "apps/panel.h"
#include "inrarch/apps.h"
#include "inrarch/model.h"
#include "models/model.h"
#include "models/onnx_export.h"
#include "models/points.h"
#include "passes/pipeline.h"
#include "util/error.h"
#include "util/progress.h"

namespace inrarch::cli {
namespace {

// Held-out images are the variants from this seed on, far from the training seeds 1, 2, ...
constexpr uint64_t kFirstTestSeed = 1001;

struct GridSize {
  int64_t height = 0;
  int64_t width = 0;
};

// Every graph of these commands (fits, features, head training, rendering) runs on the fast engine.
apps::RunnerFactory engine(int threads) { return apps::engine_runner_factory({.dtype = ir::DType::F32, .threads = threads}); }

std::string decibels(double psnr) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f dB", psnr);
  return text;
}

GridSize parse_grid_size(const std::string& text) {
  const auto [height, width] = parse_image_size(text);
  return {height, width};
}

autodiff::DeriveSpec parse_features(const InspTrainCommand& options) {
  autodiff::DeriveSpec spec;
  if (options.layout == "insp") {
    spec = apps::insp_net_features();
    if (options.insp_calls < 1 || options.insp_calls > 1023) throw UserError("--insp-calls must be from 1 to 1023");
    spec.insp_calls = options.insp_calls;
  } else if (options.layout == "unique") {
    if (options.order < 0 || options.order > 12) throw UserError("--order must be from 0 to 12");
    spec.order = options.order;
  } else {
    throw UserError("--layout " + options.layout + ": expected insp or unique");
  }
  return spec;
}

// One image of the task: the INR that stands for its input and the target the head should produce.
struct LabelledExample {
  std::string name;
  apps::InspExample example;
};

ir::Graph fit_inr(const apps::Image& image, const InspTrainCommand& options, const std::string& label) {
  apps::FitOptions fit = options.fit;
  fit.seed = options.seed;
  return apps::trained_graph(fit_siren_to_image(image, fit, options.threads, label), ir::DType::F64);
}

// Where --inr-cache keeps the SIREN fitted to built-in image `seed` for this task's input: every
// setting that changes the fit is part of the name, so a file is reused only for the same fit.
std::string cached_inr_path(apps::InspTask task, uint64_t seed, const apps::Image& clean,
                            const InspTrainCommand& options, const apps::InspTaskOptions& task_options) {
  std::ostringstream name;
  name << "variant" << seed << "_" << clean.height << "x" << clean.width << "_w" << options.fit.width << "h"
       << options.fit.hidden << "_steps" << options.fit.steps << "_lr" << options.fit.lr << "_omega" << options.fit.omega
       << "_seed" << options.seed;
  if (task == apps::InspTask::Denoise) name << "_noise" << task_options.noise_sigma;
  return (std::filesystem::path(options.inr_cache) / (name.str() + ".onnx")).string();
}

// A SIREN fitted to the task's input for `clean` (noisy for denoising), with the task's target.
// `built_in`: `clean` is default_image_variant(seed), so its fit may come from or go to --inr-cache.
LabelledExample fitted_example(apps::InspTask task, const apps::Image& clean, uint64_t seed, bool built_in,
                               const std::string& name, const InspTrainCommand& options,
                               const apps::InspTaskOptions& task_options) {
  const apps::Image target = apps::task_target(task, clean, task_options);
  const std::string cached = built_in && !options.inr_cache.empty()
                                 ? cached_inr_path(task, seed, clean, options, task_options)
                                 : std::string();
  if (!cached.empty() && std::filesystem::exists(cached)) {
    std::printf("reusing %s\n", cached.c_str());
    return {name, {models::load_model(cached, ir::DType::F64), target}};
  }
  ir::Graph inr = fit_inr(apps::task_input(task, clean, task_options, seed), options, "fit " + name);
  if (!cached.empty()) {
    std::filesystem::create_directories(options.inr_cache);
    models::export_onnx(inr, cached);
  }
  return {name, {std::move(inr), target}};
}

// Training images: the given INR alone, or SIRENs fitted to the built-in images.
std::vector<LabelledExample> training_examples(apps::InspTask task, const InspTrainCommand& options,
                                               const apps::InspTaskOptions& task_options, GridSize size) {
  std::vector<LabelledExample> examples;
  if (!options.model.empty()) {
    ir::Graph inr = models::load_model(options.model, ir::DType::F64);
    if (task == apps::InspTask::Denoise && options.image.empty()) {
      throw UserError("insp train --task denoise --model needs --image, the clean picture the noisy INR stands for");
    }
    const apps::Image clean = options.image.empty()
                                  ? apps::render_on_grid(inr, size.height, size.width, engine(options.threads))
                                  : apps::read_image(options.image, 3);
    examples.push_back({options.model, {std::move(inr), apps::task_target(task, clean, task_options)}});
    return examples;
  }
  if (options.images < 1) throw UserError("--images must be at least 1");
  for (int i = 0; i < options.images; ++i) {
    const bool given = i == 0 && !options.image.empty();
    const apps::Image clean = given ? apps::read_image(options.image, 3)
                                    : apps::default_image_variant(static_cast<uint64_t>(i), size.height, size.width);
    const std::string name = given ? options.image : i == 0 ? "default" : "variant " + std::to_string(i);
    examples.push_back(fitted_example(task, clean, static_cast<uint64_t>(i), !given, name, options, task_options));
  }
  return examples;
}

std::vector<LabelledExample> test_examples(apps::InspTask task, const InspTrainCommand& options,
                                           const apps::InspTaskOptions& task_options, GridSize size) {
  if (options.test_images < 0) throw UserError("--test-images must not be negative");
  std::vector<LabelledExample> examples;
  for (int j = 0; j < (options.model.empty() ? options.test_images : 0); ++j) {
    const uint64_t seed = kFirstTestSeed + static_cast<uint64_t>(j);
    examples.push_back(fitted_example(task, apps::default_image_variant(seed, size.height, size.width), seed, true,
                                      "variant " + std::to_string(seed), options, task_options));
  }
  return examples;
}

struct Scores {
  double identity = 0.0;  // PSNR of the INR's own image against the target
  double head = 0.0;      // PSNR of the fused graph's image against the target
};

// Prints and returns the PSNRs of one example; adds its tiles to `tiles`.
Scores score(const LabelledExample& labelled, const ir::Graph& head, const char* set, const apps::RunnerFactory& runners,
             std::vector<apps::PanelTile>& tiles) {
  const apps::Image& target = labelled.example.target;
  const apps::Image identity = apps::render_on_grid(labelled.example.inr, target.height, target.width, runners);
  const apps::Image edited =
      apps::render_on_grid(apps::build_insp_graph(labelled.example.inr, head), target.height, target.width, runners);
  const Scores scores{apps::psnr(identity, target), apps::psnr(edited, target)};
  std::printf("%-5s | %-22s | %8.2f | %8.2f | %+6.2f\n", set, labelled.name.c_str(), scores.identity, scores.head,
              scores.head - scores.identity);
  tiles.push_back({"INR", identity});
  tiles.push_back({"HEAD", edited});
  tiles.push_back({"TARGET", target});
  return scores;
}

}  // namespace

int run_insp_train(const InspTrainCommand& options) {
  if (options.output.empty()) throw UserError("insp train needs -o HEAD.onnx");
  const apps::InspTask task = apps::parse_insp_task(options.task);
  const GridSize size = parse_grid_size(options.size);
  apps::InspTaskOptions task_options;
  task_options.blur_sigma = options.sigma;
  task_options.noise_sigma = options.noise;
  task_options.sharpen_amount = options.amount;
  apps::InspTrainOptions train;
  train.features = parse_features(options);
  train.head = {options.width, options.hidden};
  train.steps = options.steps;
  train.lr = options.lr;
  train.batch = options.batch;
  train.seed = options.seed;

  const std::vector<LabelledExample> training = training_examples(task, options, task_options, size);
  const std::vector<LabelledExample> testing = test_examples(task, options, task_options, size);
  std::vector<apps::InspExample> examples;
  for (const LabelledExample& labelled : training) examples.push_back(labelled.example);

  Progress progress("train head", options.steps);
  const apps::InspHead head = apps::train_insp_head(
      examples, train,
      [&](int step, double loss) { progress.update(step, "PSNR " + decibels(apps::psnr_from_mse(loss))); },
      engine(options.threads));
  progress.finish();
  const ir::Graph head_graph = apps::build_head_graph(head, ir::DType::F32);
  models::export_onnx(head_graph, options.output);
  std::printf("wrote %s (%s, %lld features, %zu layers, %lld parameters)\n", options.output.c_str(),
              apps::feature_input_name(head.features).c_str(), static_cast<long long>(head.layers.front().in),
              head.layers.size(), static_cast<long long>(ir::parameter_count(head_graph)));

  std::printf("\n%s: PSNR against the pixel-domain target (dB)\n%-5s | %-22s | %8s | %8s | %s\n", options.task.c_str(),
              "set", "image", "identity", "head", "gain");
  std::vector<apps::PanelTile> tiles;
  for (const LabelledExample& labelled : training) score(labelled, head_graph, "train", engine(options.threads), tiles);
  double identity = 0.0, edited = 0.0;
  for (const LabelledExample& labelled : testing) {
    const Scores scores = score(labelled, head_graph, "test", engine(options.threads), tiles);
    identity += scores.identity / static_cast<double>(testing.size());
    edited += scores.head / static_cast<double>(testing.size());
  }
  if (!testing.empty()) {
    std::printf("%-5s | %-22s | %8.2f | %8.2f | %+6.2f\n", "test", "mean", identity, edited, edited - identity);
  }
  if (!options.panel.empty()) {
    apps::write_png(apps::compose_panel(tiles, 3), options.panel);
    std::printf("wrote %s\n", options.panel.c_str());
  }
  return 0;
}

int run_insp_apply(const InspApplyCommand& options) {
  if (options.output.empty()) throw UserError("insp apply needs -o OUT.png");
  if (options.head.empty()) throw UserError("insp apply needs --head HEAD.onnx");
  const GridSize size = parse_grid_size(options.size);
  const ir::DType dtype = parse_dtype(options.model.dtype);
  const ir::Graph fused = apps::build_insp_graph(load_model(options.model), apps::load_head(options.head, dtype));
  std::printf("fused graph: %zu nodes, %lld MACs/point\n", fused.size(),
              static_cast<long long>(ir::matmul_macs_per_point(fused)));
  Progress progress("insp apply", size.height * size.width);
  const apps::Image image =
      apps::render_on_grid(fused, size.height, size.width, engine(options.threads),
                           [&](int64_t done, int64_t) { progress.update(done); });
  progress.finish();
  apps::write_png(image, options.output);
  std::printf("wrote %s (%lldx%lld, %lld channels)\n", options.output.c_str(), static_cast<long long>(size.height),
              static_cast<long long>(size.width), static_cast<long long>(image.channels));
  return 0;
}

}  // namespace inrarch::cli
