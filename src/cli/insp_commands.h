// `inrarch insp train` and `inrarch insp apply`: INSP-Net heads (apps/insp.h) from the command line.
// Like commands.h, plain functions over option structs, so main.cpp only parses flags.
#pragma once

#include <cstdint>
#include <string>

#include "apps/fit.h"
#include "inrarch/model.h"

namespace inrarch::cli {

struct InspTrainCommand {
  std::string task = "blur";  // blur, denoise or sharpen
  // Train on this INR (ONNX or siren: spec) instead of fitting SIRENs to built-in images. Its target
  // is the task's filter of --image or, when none is given, of the INR's own image on --size.
  std::string model;
  std::string image;             // the clean picture (PNG); with --model, what the INR stands for
  std::string size = "64x64";    // training and test grid, HxW (ignored for an --image)
  int images = 4;                // without --model: the default image and variants 1 .. images-1
  int test_images = 2;           // held-out variants 1001 .. 1000+test_images, for the PSNR report
  // SIRENs fitted to the training and test images (apps/fit.h).
  // lr 1e-3 converges far faster than SIREN's usual 1e-4 on 64x64 images; the seed is --seed's.
  apps::FitOptions fit{.width = 64, .hidden = 2, .steps = 300, .lr = 1e-3};
  // When set, fitted SIRENs of built-in images are saved here as ONNX and reused by later runs with
  // the same fit settings (blur and sharpen share the clean fits; heads can be retrained cheaply).
  std::string inr_cache;
  // Features and head (apps/insp.h).
  std::string layout = "insp";  // insp or unique
  int order = 2;                // layout unique
  int insp_calls = 31;          // layout insp
  int width = 64;
  int hidden = 3;
  int steps = 2000;
  double lr = 1e-3;
  int64_t batch = 1024;
  uint64_t seed = 0;
  // The task's filters.
  double sigma = 1.5;
  double noise = 0.1;
  double amount = 1.0;
  std::string output;  // head .onnx
  std::string panel;   // optional PNG: INR | head | target for each image, in the order of the report
  int threads = 0;     // of the fast engine, which runs every graph; 0: all hardware threads
};

struct InspApplyCommand {
  ModelOptions model;
  std::string head;  // .onnx
  std::string size = "256x256";
  std::string output;  // PNG
  int threads = 0;
};

int run_insp_train(const InspTrainCommand& options);
int run_insp_apply(const InspApplyCommand& options);

}  // namespace inrarch::cli
