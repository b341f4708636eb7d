#include "cli/apps_commands.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>

#include "apps/default_image.h"
#include "apps/edit.h"
#include "apps/engine_runner.h"
#include "apps/fit.h"
#include "apps/image.h"
#include "apps/panel.h"
#include "apps/pixel_filters.h"
#include "autodiff/derive.h"
#include "cli/common.h"
#include "models/onnx_export.h"
#include "models/points.h"
#include "passes/pipeline.h"
#include "util/error.h"
#include "util/progress.h"

namespace inrarch::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::pair<int64_t, int64_t> image_size(const std::string& text) {
  const auto sizes = models::parse_grid(text);
  if (sizes.size() != 2 || sizes[0] < 2 || sizes[1] < 2) throw UserError("--size " + text + ": expected HxW, each at least 2");
  return {sizes[0], sizes[1]};
}

apps::FitResult fit_image(const apps::Image& image, const FitCommandOptions& options) {
  apps::FitOptions fit;
  fit.width = options.width;
  fit.hidden = options.hidden;
  fit.omega = options.omega;
  fit.steps = options.steps;
  fit.lr = options.lr;
  fit.batch = options.batch;
  fit.seed = options.seed;
  Progress progress("fit", options.steps);
  char detail[64];
  const auto on_step = [&](int step, double, double psnr) {
    std::snprintf(detail, sizeof detail, "batch PSNR %.2f dB", psnr);
    progress.update(step, detail);
  };
  const apps::FitResult result =
      apps::fit_siren(models::grid_points({image.height, image.width}), apps::image_to_tensor(image), fit, on_step,
                      apps::engine_runner_factory({.dtype = ir::DType::F32, .threads = options.threads}));
  std::snprintf(detail, sizeof detail, "image PSNR %.2f dB", result.psnr);
  progress.finish(detail);
  return result;
}

// All derivatives up to `order` of a model on the H x W grid, by Taylor mode on the fast engine.
apps::DerivativeField derivative_field(const ir::Graph& model, int64_t height, int64_t width, int order, int threads) {
  autodiff::DeriveSpec spec;
  spec.order = order;
  const ir::Graph graph = passes::optimize(autodiff::derive(model, spec));
  const std::string input = model.node(autodiff::coordinate_input(model, "")).attrs.name;
  ExecutionOptions execution;
  execution.threads = threads;
  return {evaluate_points(graph, input, models::grid_points({height, width}), execution, "derivatives"), height, width};
}

struct EditResult {
  apps::Image inr;       // the edit computed from the INR's derivatives
  apps::Image pixels;    // the same filter on the decoded image, in the pixel domain
  apps::Image display;   // what to show of `inr`
  std::string title;
};

double max_abs(const apps::Image& image) {
  double largest = 1e-12;
  for (float value : image.pixels) largest = std::max(largest, static_cast<double>(std::abs(value)));
  return largest;
}

EditResult apply_edit(const apps::DerivativeField& field, const EditOptions& options) {
  const apps::Image decoded = apps::partial_derivative(field, {0, 0});
  EditResult result;
  char title[64];
  if (options.op == "blur") {
    result.inr = apps::heat_series_blur(field, options.sigma);
    result.pixels = apps::gaussian_blur(decoded, options.sigma);
    result.display = result.inr;
    std::snprintf(title, sizeof title, "blur s=%.2g", options.sigma);
  } else if (options.op == "sharpen") {
    result.inr = apps::laplacian_sharpen(field, options.amount);
    result.pixels = apps::laplacian_sharpen(decoded, options.amount);
    result.display = result.inr;
    std::snprintf(title, sizeof title, "sharpen a=%.2g", options.amount);
  } else if (options.op == "laplacian") {
    result.inr = apps::laplacian(field);
    result.pixels = apps::laplacian(decoded);
    result.display = apps::signed_to_display(result.inr, 0.5 / max_abs(result.inr));
    std::snprintf(title, sizeof title, "laplacian");
  } else if (options.op == "edges") {
    result.inr = apps::gradient_magnitude(field);
    result.pixels = apps::sobel_gradient_magnitude(decoded);
    result.display = apps::magnitude_to_display(result.inr, 1.0 / max_abs(result.inr));
    std::snprintf(title, sizeof title, "edges |grad|");
  } else if (options.op == "direction") {
    result.inr = apps::directional_derivative(field, options.angle);
    result.pixels = apps::directional_derivative(decoded, options.angle);
    result.display = apps::signed_to_display(result.inr, 0.5 / max_abs(result.inr));
    std::snprintf(title, sizeof title, "d/d%.0fdeg", options.angle);
  } else {
    throw UserError("--op " + options.op + ": expected blur, sharpen, laplacian, edges or direction");
  }
  result.title = title;
  return result;
}

}  // namespace

int run_fit(const FitCommandOptions& options) {
  apps::Image image;
  if (options.image.empty()) {
    const auto [height, width] = image_size(options.size.empty() ? "256x256" : options.size);
    image = apps::default_image(height, width);
  } else {
    image = apps::read_image(options.image, 3);
  }
  const apps::FitResult result = fit_image(image, options);
  models::export_onnx(apps::trained_graph(result), options.output);
  std::printf("fitted %s to %s: PSNR %.2f dB, wrote %s\n", models::to_string(result.spec).c_str(),
              options.image.empty() ? "the default image" : options.image.c_str(), result.psnr, options.output.c_str());
  return 0;
}

int run_edit(const EditOptions& options) {
  const auto [height, width] = image_size(options.size);
  const ir::Graph model = load(options.model);
  const apps::DerivativeField field = derivative_field(model, height, width, options.order, options.threads);
  const EditResult edit = apply_edit(field, options);
  apps::write_png(edit.display, options.output);
  std::printf("wrote %s (%s); vs the same filter on the decoded image in pixels: PSNR %.2f dB\n",
              options.output.c_str(), edit.title.c_str(), apps::psnr(edit.inr, edit.pixels));
  return 0;
}

int run_demo(const DemoOptions& options) {
  std::filesystem::create_directories(options.output_dir);
  const std::string dir = options.output_dir + "/";
  const auto [height, width] = image_size(options.size);
  std::vector<std::pair<std::string, double>> timings;
  auto timed = [&](const std::string& stage, const std::function<void()>& work) {
    const auto start = Clock::now();
    work();
    timings.emplace_back(stage, seconds_since(start));
  };

  apps::Image original;
  timed("default image", [&] { original = apps::default_image(height, width); });
  apps::write_png(original, dir + "original.png");

  FitCommandOptions fit;
  fit.steps = options.steps;
  fit.width = options.width;
  fit.hidden = options.hidden;
  fit.threads = options.threads;
  apps::FitResult fitted;
  timed("fit", [&] { fitted = fit_image(original, fit); });
  const ir::Graph model = apps::trained_graph(fitted);
  models::export_onnx(model, dir + "model.onnx");

  apps::DerivativeField field;
  timed("derivatives (order " + std::to_string(options.order) + ")",
        [&] { field = derivative_field(model, height, width, options.order, options.threads); });
  const apps::Image decoded = apps::partial_derivative(field, {0, 0});
  apps::write_png(decoded, dir + "inr.png");

  std::vector<apps::PanelTile> tiles = {{"original", original}, {"INR", decoded}};
  const auto signed_tile = [&](const char* title, const autodiff::MultiIndex& alpha) {
    const apps::Image values = apps::partial_derivative(field, alpha);
    tiles.push_back({title, apps::signed_to_display(values, 0.5 / max_abs(values))});
  };
  signed_tile("f_x", {1, 0});
  signed_tile("f_y", {0, 1});
  signed_tile("f_xy", {1, 1});
  if (options.order >= 4) signed_tile("f_xxyy", {2, 2});

  struct Row {
    std::string edit;
    double psnr;
  };
  std::vector<Row> rows;
  timed("edits", [&] {
    for (const char* op : {"blur", "sharpen", "laplacian", "edges"}) {
      EditOptions edit;
      edit.op = op;
      edit.amount = 0.5;
      const EditResult result = apply_edit(field, edit);
      apps::write_png(result.display, dir + "edit_" + op + ".png");
      tiles.push_back({result.title, result.display});
      rows.push_back({result.title, apps::psnr(result.inr, result.pixels)});
    }
  });
  apps::write_png(apps::compose_panel(tiles, 5), dir + "panel.png");

  std::printf("\nfit: %s, PSNR %.2f dB against the original\n", models::to_string(fitted.spec).c_str(), fitted.psnr);
  std::printf("\n%-16s | %s\n", "edit", "PSNR vs the same filter on the decoded image (pixel domain)");
  for (const auto& row : rows) std::printf("%-16s | %.2f dB\n", row.edit.c_str(), row.psnr);
  std::printf("\n%-24s | %s\n", "stage", "seconds");
  double total = 0;
  for (const auto& [stage, seconds] : timings) {
    std::printf("%-24s | %7.2f\n", stage.c_str(), seconds);
    total += seconds;
  }
  std::printf("%-24s | %7.2f\n", "total", total);
  std::printf("\nwrote %spanel.png, %smodel.onnx and the single images in %s\n", dir.c_str(), dir.c_str(), dir.c_str());
  return 0;
}

}  // namespace inrarch::cli
