// The INR-editing subcommands: fit an image, edit a fitted INR through its derivatives, and the
// demo that runs the whole pipeline on the built-in default image.
#pragma once

#include <string>

#include "apps/fit.h"
#include "cli/commands.h"

namespace inrarch::cli {

struct FitCommandOptions {
  std::string image;  // PNG; empty: the built-in default image
  std::string size;   // HxW for the default image
  std::string output = "model.onnx";
  // Measured on the default image (width 256, 2 cores): 150 steps of 1024 pixels reach ~35 dB.
  apps::FitOptions fit{.steps = 150, .batch = 1024};
  int threads = 0;
};

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

struct DemoOptions {
  std::string output_dir = "out/demo";
  apps::FitOptions fit{.steps = 150, .batch = 1024};
  int order = 4;
  std::string size = "256x256";
  int threads = 0;
  // The FPGA design of the fitted model (cli/hls_commands.h): INR-Arch's workload, order 2 over
  // 64 points; its C-simulation checks a tile of `hls_test_points` against the CPU engine.
  int hls_order = 2;
  int64_t hls_points = 4;       // K: points per tile
  int64_t hls_test_points = 16;
  // float matches the CPU engine to rounding; fixed32_auto (the integer bits the fitted model's values
  // need) is smaller and faster but loses precision (docs/editing.md).
  std::string hls_dtype = "float";
  int64_t dsp_budget = 3199;  // INR-Arch's DSP count on the U50
};

int run_fit(const FitCommandOptions& options);
int run_edit(const EditOptions& options);
int run_demo(const DemoOptions& options);

}  // namespace inrarch::cli
