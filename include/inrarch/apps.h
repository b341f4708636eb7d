// The public API, part 4: INR editing. Fit a SIREN to an image, edit a fitted INR through its
// derivatives, and the demo that runs the whole pipeline (fit, derivatives, edits, FPGA design,
// cycle simulation, C-simulation) on the built-in default image.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "apps/fit.h"
#include "apps/image.h"
#include "inrarch/model.h"

namespace inrarch {

// --size HxW of an image, each side at least 2: {height, width}.
std::pair<int64_t, int64_t> parse_image_size(const std::string& text);

// A SIREN fitted to `image` on the fast engine, with a progress bar named `label` showing PSNR.
apps::FitResult fit_siren_to_image(const apps::Image& image, const apps::FitOptions& options, int threads,
                                   const std::string& label);

struct FitImageOptions {
  std::string image;  // PNG; empty: the built-in default image
  std::string size;   // HxW for the default image (default 256x256)
  std::string output = "model.onnx";
  // Measured on the default image (width 256, 2 cores): 150 steps of 1024 pixels reach ~35 dB.
  apps::FitOptions fit{.steps = 150, .batch = 1024};
  int threads = 0;
};
struct FitImageResult {
  std::string spec;  // the fitted SIREN's spec
  double psnr = 0;   // dB, against the image
};
FitImageResult fit_image(const FitImageOptions& options);

struct EditOptions {
  ModelOptions model;
  std::string op = "blur";  // blur, sharpen, laplacian, edges, direction
  std::string size = "256x256";
  std::string output = "edit.png";
  // The truncated heat series tracks a pixel Gaussian while sigma is small against the INR's finest
  // detail; 0.75 px stays above 30 dB on both fits measured in docs/editing.md, 1 px on only one.
  double sigma = 0.75;  // blur, pixels
  double amount = 1.0;  // sharpen
  double angle = 0.0;   // direction, degrees
  int order = 4;
  int threads = 0;
};
struct EditResult {
  std::string title;  // e.g. "blur s=0.75"
  double psnr = 0;    // against the same filter on the decoded image, in the pixel domain
};
EditResult edit(const EditOptions& options);

struct DemoOptions {
  std::string output_dir = "out/demo";
  apps::FitOptions fit{.steps = 150, .batch = 1024};
  int order = 4;
  std::string size = "256x256";
  int threads = 0;
  // The FPGA design of the fitted model: INR-Arch's workload, order 2 over 64 points; its
  // C-simulation checks a tile of `hls_test_points` against the CPU engine.
  int hls_order = 2;
  int64_t hls_tile = 4;  // K: points per tile
  int64_t hls_test_points = 16;
  // float matches the CPU engine to rounding; fixed32_auto (the integer bits the fitted model's values
  // need) is smaller and faster but loses precision (docs/editing.md).
  std::string hls_dtype = "float";
  int64_t dsp_budget = 3199;  // INR-Arch's DSP count on the U50
  // Where the stages' reports go as they finish (the CLI prints them).
  std::function<void(const std::string&)> log = [](const std::string&) {};
};
struct DemoResult {
  int csim_status = 0;  // 0: the C-simulation matches the CPU engine
};
DemoResult demo(const DemoOptions& options);

}  // namespace inrarch
