#include "apps/image.h"

#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "util/error.h"

namespace inrarch::apps {

Image::Image(int64_t height_, int64_t width_, int64_t channels_, float fill)
    : height(height_),
      width(width_),
      channels(channels_),
      pixels(static_cast<size_t>(height_ * width_ * channels_), fill) {}

Image read_image(const std::string& path, int channels) {
  if (channels < 0 || channels > 4) {
    throw UserError("image \"" + path + "\": requested " + std::to_string(channels) + " channels, expected 0 to 4");
  }
  int width = 0;
  int height = 0;
  int file_channels = 0;
  const std::unique_ptr<stbi_uc, void (*)(void*)> bytes(
      stbi_load(path.c_str(), &width, &height, &file_channels, channels), stbi_image_free);
  if (!bytes) {
    const char* reason = stbi_failure_reason();
    throw UserError("cannot read image \"" + path + "\": " + (reason ? reason : "unknown error"));
  }
  Image image(height, width, channels == 0 ? file_channels : channels);
  std::transform(bytes.get(), bytes.get() + image.pixels.size(), image.pixels.begin(),
                 [](stbi_uc byte) { return static_cast<float>(byte) / 255.0f; });
  return image;
}

void write_png(const Image& image, const std::string& path) {
  if (image.height < 1 || image.width < 1 || image.channels < 1 || image.channels > 4) {
    throw UserError("cannot write PNG \"" + path + "\": image is " + std::to_string(image.height) + "x" +
                    std::to_string(image.width) + " with " + std::to_string(image.channels) +
                    " channels (need at least 1x1 with 1 to 4 channels)");
  }
  std::vector<unsigned char> bytes(image.pixels.size());
  std::transform(image.pixels.begin(), image.pixels.end(), bytes.begin(), [](float value) {
    return static_cast<unsigned char>(std::lround(std::clamp(value, 0.0f, 1.0f) * 255.0f));
  });
  const auto width = static_cast<int>(image.width);
  const auto channels = static_cast<int>(image.channels);
  const int written =
      stbi_write_png(path.c_str(), width, static_cast<int>(image.height), channels, bytes.data(), width * channels);
  if (written == 0) {
    throw UserError("cannot write PNG \"" + path + "\" (is the directory writable?)");
  }
}

Tensor image_to_tensor(const Image& image) {
  Tensor values({image.height * image.width, image.channels});
  std::copy(image.pixels.begin(), image.pixels.end(), values.data.begin());
  return values;
}

Image tensor_to_image(const Tensor& values, int64_t height, int64_t width) {
  if (values.shape.size() != 2 || values.shape[0] != height * width || values.shape[1] < 1) {
    std::string shape;
    for (int64_t dim : values.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(dim);
    throw UserError("values of shape [" + shape + "] do not form a " + std::to_string(height) + "x" +
                    std::to_string(width) + " image (expected [" + std::to_string(height * width) + ", channels])");
  }
  Image image(height, width, values.shape[1]);
  std::transform(values.data.begin(), values.data.end(), image.pixels.begin(),
                 [](double value) { return static_cast<float>(value); });
  return image;
}

double psnr(const Image& a, const Image& b) {
  if (a.height != b.height || a.width != b.width || a.channels != b.channels || a.pixels.empty()) {
    throw UserError("PSNR needs two non-empty images of the same size, got " + std::to_string(a.height) + "x" +
                    std::to_string(a.width) + "x" + std::to_string(a.channels) + " and " + std::to_string(b.height) +
                    "x" + std::to_string(b.width) + "x" + std::to_string(b.channels));
  }
  double squared_error = 0.0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    const double difference = static_cast<double>(a.pixels[i]) - static_cast<double>(b.pixels[i]);
    squared_error += difference * difference;
  }
  if (squared_error == 0.0) return std::numeric_limits<double>::infinity();
  return -10.0 * std::log10(squared_error / static_cast<double>(a.pixels.size()));
}

namespace {

Image map_values(const Image& values, double offset, double gain) {
  Image display = values;
  for (float& value : display.pixels) {
    value = static_cast<float>(std::clamp(offset + gain * static_cast<double>(value), 0.0, 1.0));
  }
  return display;
}

}  // namespace

Image signed_to_display(const Image& values, double gain) { return map_values(values, 0.5, gain); }

Image magnitude_to_display(const Image& values, double gain) { return map_values(values, 0.0, gain); }

}  // namespace inrarch::apps
