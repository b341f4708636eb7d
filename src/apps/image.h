// Images are where an INR starts (the picture it is fitted to) and ends (what a user looks at), so
// the editing building blocks share one plain type: H x W x C floats, nominally in [0, 1]. Filters
// may store signed or unbounded values in it (a Laplacian, a gradient magnitude); the display
// mappings below turn those into viewable [0, 1] images, and write_png clamps whatever is left.
//
// Pixel (row, col) corresponds to grid point row * W + col of models::grid_points({H, W}), i.e.
// x = -1 + 2 col / (W - 1) and y = -1 + 2 row / (H - 1), so an image and an INR's [P, C] output on
// that grid are the same numbers in the same order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/tensor.h"

namespace inrarch::apps {

struct Image {
  int64_t height = 0;
  int64_t width = 0;
  int64_t channels = 0;
  std::vector<float> pixels;  // row-major [height][width][channels]

  Image() = default;
  Image(int64_t height_, int64_t width_, int64_t channels_, float fill = 0.0f);

  float& at(int64_t row, int64_t col, int64_t channel) {
    return pixels[static_cast<size_t>((row * width + col) * channels + channel)];
  }
  float at(int64_t row, int64_t col, int64_t channel) const {
    return pixels[static_cast<size_t>((row * width + col) * channels + channel)];
  }
};

// Reads a PNG (or any other format stb_image decodes: JPEG, BMP, ...) as 8-bit values / 255.
// `channels` = 0 keeps the file's channel count; 1..4 converts (e.g. 3 drops alpha, expands grey).
// Throws UserError naming the file and stb's reason when it cannot be read.
Image read_image(const std::string& path, int channels = 0);

// Writes 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA) channels as an 8-bit PNG; values are
// clamped to [0, 1] and rounded to the nearest of the 256 levels. Throws UserError on failure.
void write_png(const Image& image, const std::string& path);

// [H * W, C] in grid_points({H, W}) order (see the header comment).
Tensor image_to_tensor(const Image& image);
// The inverse: `values` is [height * width, C]. Throws UserError when the sizes disagree.
Image tensor_to_image(const Tensor& values, int64_t height, int64_t width);

// Peak signal-to-noise ratio with peak 1: 10 log10(1 / MSE) over every pixel and channel, on the
// stored values (no clamping). +infinity for identical images. Throws UserError on a size mismatch.
double psnr(const Image& a, const Image& b);

// Display mappings for derived quantities, both clamped to [0, 1]:
//   signed values (Laplacian, directional derivative): 0.5 + gain * v, so zero is mid grey;
//   magnitudes (gradient magnitude):                   gain * v, so zero is black.
Image signed_to_display(const Image& values, double gain);
Image magnitude_to_display(const Image& values, double gain);

}  // namespace inrarch::apps
