// include/inrarch/apps.h: fit, edit and the demo.
#include "inrarch/apps.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>

#include "apps/default_image.h"
#include "apps/edit.h"
#include "apps/engine_runner.h"
#include "apps/image.h"
#include "apps/panel.h"
#include "apps/pixel_filters.h"
#include "inrarch/derivatives.h"
#include "inrarch/design.h"
#include "models/onnx_export.h"
#include "models/points.h"
#include "util/format.h"
#include "util/progress.h"

namespace inrarch {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }


// All derivatives up to `order` of a model on the H x W grid, by Taylor mode on the fast engine.
apps::DerivativeField derivative_field(const ir::Graph& model, int64_t height, int64_t width, int order, int threads) {
  const ir::Graph graph = derivative_graph(model, {.order = order});
  return {Evaluator(graph, {.threads = threads}).run(models::grid_points({height, width}), "derivatives"), height, width};
}

struct EditImages {
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

EditImages apply_edit(const apps::DerivativeField& field, const EditOptions& options) {
  const apps::Image decoded = apps::partial_derivative(field, {0, 0});
  EditImages result;
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

std::pair<int64_t, int64_t> parse_image_size(const std::string& text) {
  const auto sizes = models::parse_grid(text);
  if (sizes.size() != 2 || sizes[0] < 2 || sizes[1] < 2) throw UserError("--size " + text + ": expected HxW, each at least 2");
  return {sizes[0], sizes[1]};
}

apps::FitResult fit_siren_to_image(const apps::Image& image, const apps::FitOptions& options, int threads,
                          const std::string& label) {
  Progress progress(label, options.steps);
  char detail[64];
  const auto on_step = [&](int step, double, double psnr) {
    std::snprintf(detail, sizeof detail, "batch PSNR %.2f dB", psnr);
    progress.update(step, detail);
  };
  const apps::FitResult result =
      apps::fit_siren(models::grid_points({image.height, image.width}), apps::image_to_tensor(image), options, on_step,
                      apps::engine_runner_factory({.dtype = ir::DType::F32, .threads = threads}));
  std::snprintf(detail, sizeof detail, "image PSNR %.2f dB", result.psnr);
  progress.finish(detail);
  return result;
}

FitImageResult fit_image(const FitImageOptions& options) {
  apps::Image image;
  if (options.image.empty()) {
    const auto [height, width] = parse_image_size(options.size.empty() ? "256x256" : options.size);
    image = apps::default_image(height, width);
  } else {
    image = apps::read_image(options.image, 3);
  }
  const apps::FitResult result = fit_siren_to_image(image, options.fit, options.threads, "fit");
  models::export_onnx(apps::trained_graph(result), options.output);
  return {models::to_string(result.spec), result.psnr};
}

EditResult edit(const EditOptions& options) {
  const auto [height, width] = parse_image_size(options.size);
  const ir::Graph model = load_model(options.model);
  const apps::DerivativeField field = derivative_field(model, height, width, options.order, options.threads);
  const EditImages edit = apply_edit(field, options);
  apps::write_png(edit.display, options.output);
  return {edit.title, apps::psnr(edit.inr, edit.pixels)};
}

DemoResult demo(const DemoOptions& options) {
  std::filesystem::create_directories(options.output_dir);
  const std::string dir = options.output_dir + "/";
  const auto [height, width] = parse_image_size(options.size);
  std::vector<std::pair<std::string, double>> timings;
  auto timed = [&](const std::string& stage, const std::function<void()>& work) {
    const auto start = Clock::now();
    work();
    timings.emplace_back(stage, seconds_since(start));
  };

  apps::Image original;
  timed("default image", [&] { original = apps::default_image(height, width); });
  apps::write_png(original, dir + "original.png");

  apps::FitResult fitted;
  timed("fit", [&] { fitted = fit_siren_to_image(original, options.fit, options.threads, "fit"); });
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
      const EditImages result = apply_edit(field, edit);
      apps::write_png(result.display, dir + "edit_" + op + ".png");
      tiles.push_back({result.title, result.display});
      rows.push_back({result.title, apps::psnr(result.inr, result.pixels)});
    }
  });
  apps::write_png(apps::compose_panel(tiles, 5), dir + "panel.png");

  CompileOptions compile;
  compile.model = dir + "model.onnx";
  compile.design.order = options.hls_order;
  compile.design.tile = options.hls_tile;
  compile.test_points = options.hls_test_points;
  compile.design.dtype = options.hls_dtype;
  compile.design.dsp_budget = options.dsp_budget;
  compile.output = dir + "hls";
  options.log(format("\n== FPGA design: order %d, tiles of %lld points, %s, DSP budget %lld\n", compile.design.order,
                     static_cast<long long>(compile.design.tile), compile.design.dtype.c_str(),
                     static_cast<long long>(compile.design.dsp_budget)));
  timed("HLS project", [&] { options.log(compile_report(compile, compile_hls(compile))); });
  SimulateOptions simulation;
  simulation.model = compile.output;
  simulation.num_points = 64;
  simulation.top = 5;
  simulation.output = compile.output + "/simulation";
  options.log(format("\n== cycle simulation of the design over %lld points (MODELED)\n",
                     static_cast<long long>(simulation.num_points)));
  timed("cycle simulation", [&] { options.log(simulate(simulation).text); });
  options.log("\n== C-simulation of the project (g++ build, then one thread per process, bounded FIFOs)\n");
  int csim_status = 0;
  timed("C-simulation", [&] { csim_status = csim({compile.output, 0}); });

  std::string text = format("\nfit: %s, PSNR %.2f dB against the original\n", models::to_string(fitted.spec).c_str(),
                            fitted.psnr);
  text += format("\n%-16s | %s\n", "edit", "PSNR vs the same filter on the decoded image (pixel domain)");
  for (const auto& row : rows) text += format("%-16s | %.2f dB\n", row.edit.c_str(), row.psnr);
  text += format("\n%-24s | %s\n", "stage", "seconds");
  double total = 0;
  for (const auto& [stage, seconds] : timings) {
    text += format("%-24s | %7.2f\n", stage.c_str(), seconds);
    total += seconds;
  }
  text += format("%-24s | %7.2f\n", "total", total);
  text += format("\nC-simulation of %s: %s\n", compile.output.c_str(),
              csim_status == 0 ? "matches the CPU engine" : ("FAILED, exit " + std::to_string(csim_status)).c_str());
  text += format("wrote %spanel.png, %smodel.onnx, the single images and the HLS project %s\n", dir.c_str(),
                 dir.c_str(), compile.output.c_str());
  options.log(text);
  return {csim_status};
}

}  // namespace inrarch
