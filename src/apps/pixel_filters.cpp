#include "apps/pixel_filters.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "util/error.h"

namespace inrarch::apps {
namespace {

// The replicate border: indices outside the image read the nearest edge pixel.
float sample(const Image& image, int64_t row, int64_t col, int64_t channel) {
  return image.at(std::clamp<int64_t>(row, 0, image.height - 1), std::clamp<int64_t>(col, 0, image.width - 1), channel);
}

// result(r, c) = Σ weights[k] · image((r, c) + (k - radius) · step), for one axis at a time.
Image convolve_axis(const Image& image, const std::vector<double>& weights, int64_t row_step, int64_t col_step) {
  const auto radius = static_cast<int64_t>(weights.size() / 2);
  Image result(image.height, image.width, image.channels);
  for (int64_t row = 0; row < image.height; ++row) {
    for (int64_t col = 0; col < image.width; ++col) {
      for (int64_t channel = 0; channel < image.channels; ++channel) {
        double sum = 0.0;
        for (int64_t k = -radius; k <= radius; ++k) {
          sum +=
              weights[static_cast<size_t>(k + radius)] * sample(image, row + k * row_step, col + k * col_step, channel);
        }
        result.at(row, col, channel) = static_cast<float>(sum);
      }
    }
  }
  return result;
}

// An image whose value is combine(gx, gy) of the normalised Sobel derivatives at each pixel.
template <typename Combine>
Image map_sobel(const Image& image, Combine combine) {
  Image result(image.height, image.width, image.channels);
  for (int64_t row = 0; row < image.height; ++row) {
    for (int64_t col = 0; col < image.width; ++col) {
      for (int64_t channel = 0; channel < image.channels; ++channel) {
        auto f = [&](int64_t dr, int64_t dc) {
          return static_cast<double>(sample(image, row + dr, col + dc, channel));
        };
        const double gx = (f(-1, 1) + 2 * f(0, 1) + f(1, 1) - f(-1, -1) - 2 * f(0, -1) - f(1, -1)) / 8.0;
        const double gy = (f(1, -1) + 2 * f(1, 0) + f(1, 1) - f(-1, -1) - 2 * f(-1, 0) - f(-1, 1)) / 8.0;
        result.at(row, col, channel) = static_cast<float>(combine(gx, gy));
      }
    }
  }
  return result;
}

// a + scale * b, elementwise.
Image add_scaled(const Image& a, const Image& b, double scale) {
  Image result = a;
  for (size_t i = 0; i < result.pixels.size(); ++i) {
    result.pixels[i] = static_cast<float>(a.pixels[i] + scale * b.pixels[i]);
  }
  return result;
}

}  // namespace

Image gaussian_blur(const Image& image, double sigma) {
  if (!(sigma >= 0.0) || !std::isfinite(sigma)) {
    throw UserError("Gaussian blur: sigma " + std::to_string(sigma) + " must be a finite number >= 0 (pixels)");
  }
  if (sigma == 0.0) return image;
  const auto radius = static_cast<int64_t>(std::ceil(4.0 * sigma));
  std::vector<double> weights;
  double total = 0.0;
  for (int64_t k = -radius; k <= radius; ++k) {
    weights.push_back(std::exp(-static_cast<double>(k * k) / (2.0 * sigma * sigma)));
    total += weights.back();
  }
  for (double& weight : weights) weight /= total;
  return convolve_axis(convolve_axis(image, weights, 0, 1), weights, 1, 0);
}

Image laplacian(const Image& image) {
  Image result(image.height, image.width, image.channels);
  for (int64_t row = 0; row < image.height; ++row) {
    for (int64_t col = 0; col < image.width; ++col) {
      for (int64_t channel = 0; channel < image.channels; ++channel) {
        const double neighbours = static_cast<double>(sample(image, row - 1, col, channel)) +
                                  sample(image, row + 1, col, channel) + sample(image, row, col - 1, channel) +
                                  sample(image, row, col + 1, channel);
        result.at(row, col, channel) = static_cast<float>(neighbours - 4.0 * image.at(row, col, channel));
      }
    }
  }
  return result;
}

Image laplacian_sharpen(const Image& image, double amount) { return add_scaled(image, laplacian(image), -amount); }

Image unsharp_mask(const Image& image, double sigma, double amount) {
  return add_scaled(image, add_scaled(image, gaussian_blur(image, sigma), -1.0), amount);
}

Image sobel_gradient_magnitude(const Image& image) {
  return map_sobel(image, [](double gx, double gy) { return std::hypot(gx, gy); });
}

Image directional_derivative(const Image& image, double theta_degrees) {
  const double theta = theta_degrees * std::numbers::pi / 180.0;
  return map_sobel(image, [&](double gx, double gy) { return std::cos(theta) * gx + std::sin(theta) * gy; });
}

}  // namespace inrarch::apps
