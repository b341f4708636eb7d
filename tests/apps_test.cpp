// Tests of the INR-editing building blocks in src/apps/. Oracles: hand-computed numbers, closed-form
// derivatives and Gaussian blurs of analytic functions, and direct 2-D sums written out here.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numbers>
#include <string>

#include "apps/default_image.h"
#include "apps/edit.h"
#include "apps/image.h"
#include "apps/panel.h"
#include "apps/pixel_filters.h"
#include "autodiff/multi_index.h"
#include "models/points.h"
#include "util/error.h"

namespace inrarch::apps {
namespace {

// Per-process names, so test binaries of several build presets can run at the same time.
std::string temp_path(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) / ("inrarch_apps_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

// An image whose (row, col, channel) value is value(row, col, channel).
Image make_image(int64_t height, int64_t width, int64_t channels,
                 const std::function<double(int64_t, int64_t, int64_t)>& value) {
  Image image(height, width, channels);
  for (int64_t r = 0; r < height; ++r) {
    for (int64_t c = 0; c < width; ++c) {
      for (int64_t ch = 0; ch < channels; ++ch) image.at(r, c, ch) = static_cast<float>(value(r, c, ch));
    }
  }
  return image;
}

double max_abs_difference(const Image& a, const Image& b) {
  EXPECT_EQ(a.pixels.size(), b.pixels.size());
  double worst = 0.0;
  for (size_t i = 0; i < a.pixels.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(a.pixels[i]) - b.pixels[i]));
  return worst;
}

// ---------------------------------------------------------------------------------------------
// Image, PNG, tensors, PSNR

TEST(AppsImage, PngRoundTripKeepsEightBitLevelsAndClampsTheRest) {
  const Image original = make_image(5, 7, 3, [](int64_t r, int64_t c, int64_t ch) {
    return static_cast<double>((r * 37 + c * 11 + ch * 101) % 256) / 255.0;
  });
  const std::string path = temp_path("round_trip.png");
  write_png(original, path);
  const Image read = read_image(path);
  EXPECT_EQ(read.height, 5);
  EXPECT_EQ(read.width, 7);
  EXPECT_EQ(read.channels, 3);
  EXPECT_EQ(read.pixels, original.pixels);

  // Out-of-range values clamp; 0.5 lies between levels 127 and 128 and rounds up.
  Image grey(1, 4, 1);
  grey.pixels = {-0.3f, 1.7f, 0.5f, 0.2f};
  write_png(grey, path);
  const Image grey_read = read_image(path);
  ASSERT_EQ(grey_read.channels, 1);
  EXPECT_EQ(grey_read.pixels[0], 0.0f);
  EXPECT_EQ(grey_read.pixels[1], 1.0f);
  EXPECT_EQ(grey_read.pixels[2], 128.0f / 255.0f);
  EXPECT_EQ(grey_read.pixels[3], 51.0f / 255.0f);

  // Requesting 3 channels expands grey to RGB.
  const Image expanded = read_image(path, 3);
  ASSERT_EQ(expanded.channels, 3);
  EXPECT_EQ(expanded.at(0, 2, 0), 128.0f / 255.0f);
  EXPECT_EQ(expanded.at(0, 2, 2), 128.0f / 255.0f);
  std::filesystem::remove(path);
}

TEST(AppsImage, UnreadableOrUnwritableFilesAreUserErrors) {
  const std::string missing = temp_path("does_not_exist.png");
  try {
    read_image(missing);
    FAIL() << "expected a UserError";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find(missing), std::string::npos) << error.what();
  }
  const std::string garbage = temp_path("garbage.png");
  std::ofstream(garbage) << "this is not an image";
  EXPECT_THROW(read_image(garbage), UserError);
  std::filesystem::remove(garbage);
  EXPECT_THROW(write_png(Image(2, 2, 3), temp_path("no_such_dir/out.png")), UserError);
  EXPECT_THROW(write_png(Image(2, 2, 5), temp_path("five_channels.png")), UserError);
}

TEST(AppsImage, TensorLayoutIsTheGridPointOrder) {
  const int64_t height = 4;
  const int64_t width = 6;
  // Pixel value = 10 x + y + channel, with x, y from the image convention (x = column, y = row).
  const Image image = make_image(height, width, 2, [&](int64_t r, int64_t c, int64_t ch) {
    const double x = -1.0 + 2.0 * static_cast<double>(c) / static_cast<double>(width - 1);
    const double y = -1.0 + 2.0 * static_cast<double>(r) / static_cast<double>(height - 1);
    return 10.0 * x + y + static_cast<double>(ch);
  });
  const Tensor values = image_to_tensor(image);
  const Tensor points = models::grid_points({height, width});
  ASSERT_EQ(values.shape, (std::vector<int64_t>{height * width, 2}));
  for (int64_t p = 0; p < height * width; ++p) {
    for (int64_t ch = 0; ch < 2; ++ch) {
      const double expected = 10.0 * points.data[static_cast<size_t>(2 * p)] +
                              points.data[static_cast<size_t>(2 * p + 1)] + static_cast<double>(ch);
      EXPECT_NEAR(values.data[static_cast<size_t>(2 * p + ch)], expected, 1e-5);
    }
  }
  EXPECT_EQ(tensor_to_image(values, height, width).pixels, image.pixels);
  EXPECT_THROW(tensor_to_image(values, width, width), UserError);
}

TEST(AppsImage, PsnrMatchesHandComputedValue) {
  Image a(2, 2, 1, 0.0f);
  Image b = a;
  b.pixels[0] = 0.1f;
  // MSE = 0.1² / 4 = 0.0025, PSNR = 10 log10(1 / 0.0025) = 10 log10(400) = 26.0206 dB.
  EXPECT_NEAR(psnr(a, b), 26.0206, 1e-4);
  EXPECT_TRUE(std::isinf(psnr(a, a)));
  EXPECT_THROW(psnr(a, Image(2, 3, 1)), UserError);
}

TEST(AppsImage, DisplayMappingsCentreSignedValuesAndClamp) {
  Image values(1, 3, 1);
  values.pixels = {-1.0f, 0.0f, 3.0f};
  const Image signed_display = signed_to_display(values, 0.25);
  EXPECT_FLOAT_EQ(signed_display.pixels[0], 0.25f);
  EXPECT_FLOAT_EQ(signed_display.pixels[1], 0.5f);
  EXPECT_FLOAT_EQ(signed_display.pixels[2], 1.0f);
  const Image magnitude_display = magnitude_to_display(values, 0.25);
  EXPECT_FLOAT_EQ(magnitude_display.pixels[0], 0.0f);
  EXPECT_FLOAT_EQ(magnitude_display.pixels[2], 0.75f);
}

// ---------------------------------------------------------------------------------------------
// Pixel filters

TEST(AppsPixelFilters, GaussianBlurOfADeltaIsTheNormalisedKernel) {
  const int64_t size = 25;
  const int64_t centre = 12;
  const double sigma = 1.5;
  const int64_t radius = 6;  // ceil(4 sigma)
  const Image delta =
      make_image(size, size, 1, [&](int64_t r, int64_t c, int64_t) { return r == centre && c == centre ? 1.0 : 0.0; });
  const Image blurred = gaussian_blur(delta, sigma);
  double norm = 0.0;
  for (int64_t k = -radius; k <= radius; ++k) norm += std::exp(-static_cast<double>(k * k) / (2 * sigma * sigma));
  for (int64_t r = 0; r < size; ++r) {
    for (int64_t c = 0; c < size; ++c) {
      const int64_t dr = r - centre;
      const int64_t dc = c - centre;
      const double expected =
          std::abs(dr) > radius || std::abs(dc) > radius
              ? 0.0
              : std::exp(-static_cast<double>(dr * dr + dc * dc) / (2 * sigma * sigma)) / (norm * norm);
      EXPECT_NEAR(blurred.at(r, c, 0), expected, 1e-7) << r << ", " << c;
    }
  }
  EXPECT_EQ(gaussian_blur(delta, 0.0).pixels, delta.pixels);
  EXPECT_THROW(gaussian_blur(delta, -1.0), UserError);
}

TEST(AppsPixelFilters, ReplicateBorderKeepsConstantsConstant) {
  const Image constant(6, 9, 2, 0.375f);
  EXPECT_LT(max_abs_difference(gaussian_blur(constant, 2.5), constant), 1e-6);
  EXPECT_LT(max_abs_difference(laplacian(constant), Image(6, 9, 2, 0.0f)), 1e-7);
  EXPECT_LT(max_abs_difference(sobel_gradient_magnitude(constant), Image(6, 9, 2, 0.0f)), 1e-7);
}

// f = 0.01 (r² + 2 c²) + 0.003 r c: the 5-point Laplacian is exactly 0.01 (2 + 4) = 0.06.
double quadratic(int64_t r, int64_t c, int64_t) {
  const auto rd = static_cast<double>(r);
  const auto cd = static_cast<double>(c);
  return 0.01 * (rd * rd + 2 * cd * cd) + 0.003 * rd * cd;
}

TEST(AppsPixelFilters, LaplacianAndSharpenOfAQuadratic) {
  const Image f = make_image(9, 11, 1, quadratic);
  const Image lap = laplacian(f);
  const Image sharpened = laplacian_sharpen(f, 0.8);
  for (int64_t r = 1; r < 8; ++r) {
    for (int64_t c = 1; c < 10; ++c) {
      EXPECT_NEAR(lap.at(r, c, 0), 0.06, 1e-5);
      EXPECT_NEAR(sharpened.at(r, c, 0), quadratic(r, c, 0) - 0.8 * 0.06, 1e-5);
    }
  }
}

TEST(AppsPixelFilters, UnsharpMaskOfAQuadraticSubtractsTheKernelVariance) {
  // blur(f) = f + 0.01 (v + 2 v) for the quadratic, v = the sampled kernel's variance, so
  // unsharp = f - amount · 0.03 v away from the border.
  const double sigma = 1.2;
  const int64_t radius = 5;  // ceil(4 sigma)
  double norm = 0.0;
  double second_moment = 0.0;
  for (int64_t k = -radius; k <= radius; ++k) {
    const double weight = std::exp(-static_cast<double>(k * k) / (2 * sigma * sigma));
    norm += weight;
    second_moment += static_cast<double>(k * k) * weight;
  }
  const double variance = second_moment / norm;
  const Image f = make_image(16, 16, 1, quadratic);
  const Image sharpened = unsharp_mask(f, sigma, 1.5);
  for (int64_t r = radius; r < 16 - radius; ++r) {
    for (int64_t c = radius; c < 16 - radius; ++c) {
      EXPECT_NEAR(sharpened.at(r, c, 0), quadratic(r, c, 0) - 1.5 * 0.03 * variance, 2e-5);
    }
  }
}

TEST(AppsPixelFilters, SobelIsExactOnALinearRamp) {
  const double along_columns = 0.02;
  const double along_rows = -0.01;
  const Image ramp = make_image(7, 8, 1, [&](int64_t r, int64_t c, int64_t) {
    return 0.5 + along_columns * static_cast<double>(c) + along_rows * static_cast<double>(r);
  });
  const Image magnitude = sobel_gradient_magnitude(ramp);
  const Image down = directional_derivative(ramp, 90.0);
  const Image diagonal = directional_derivative(ramp, 30.0);
  const double cos30 = std::sqrt(3.0) / 2.0;
  for (int64_t r = 1; r < 6; ++r) {
    for (int64_t c = 1; c < 7; ++c) {
      EXPECT_NEAR(magnitude.at(r, c, 0), std::sqrt(0.02 * 0.02 + 0.01 * 0.01), 1e-6);
      EXPECT_NEAR(down.at(r, c, 0), along_rows, 1e-6);
      EXPECT_NEAR(diagonal.at(r, c, 0), cos30 * along_columns + 0.5 * along_rows, 1e-6);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Edits from derivative arrays, against closed forms

// Channel c of the test function: f_c = sin(a_c x) cos(b_c y) + w_c p(x, y) with
// p = 0.3 x⁴ + 0.2 x² y² - 0.1 y³ + 0.05 x y.
struct Analytic {
  double a;
  double b;
  double w;
};
constexpr Analytic kChannels[] = {{5.0, 3.0, 1.0}, {2.0, 4.0, -0.5}};

double falling_power(int p, int i, double base) {  // d^i/dz^i z^p = p!/(p-i)! z^(p-i)
  if (i > p) return 0.0;
  double factor = 1.0;
  for (int k = 0; k < i; ++k) factor *= p - k;
  return factor * std::pow(base, p - i);
}

// ∂x^i ∂y^j f_c at (x, y), from the closed forms of each term.
double analytic_derivative(const Analytic& f, int i, int j, double x, double y) {
  const double half_pi = std::numbers::pi / 2;
  const double wave =
      std::pow(f.a, i) * std::sin(f.a * x + i * half_pi) * std::pow(f.b, j) * std::cos(f.b * y + j * half_pi);
  const double poly =
      0.3 * falling_power(4, i, x) * falling_power(0, j, y) + 0.2 * falling_power(2, i, x) * falling_power(2, j, y) -
      0.1 * falling_power(0, i, x) * falling_power(3, j, y) + 0.05 * falling_power(1, i, x) * falling_power(1, j, y);
  return wave + f.w * poly;
}

// The derivative array of the given channel functions up to `order` on the height x width grid.
DerivativeField analytic_field(int64_t height, int64_t width, int order,
                               const std::vector<Analytic>& channels = {std::begin(kChannels), std::end(kChannels)}) {
  const auto alphas = autodiff::multi_indices(2, order);
  const auto count = static_cast<int64_t>(alphas.size());
  const auto channel_count = static_cast<int64_t>(channels.size());
  const Tensor points = models::grid_points({height, width});
  DerivativeField field{Tensor({height * width, channel_count, count}), height, width};
  for (int64_t p = 0; p < height * width; ++p) {
    const double x = points.data[static_cast<size_t>(2 * p)];
    const double y = points.data[static_cast<size_t>(2 * p + 1)];
    for (int64_t c = 0; c < channel_count; ++c) {
      for (int64_t m = 0; m < count; ++m) {
        const auto& alpha = alphas[static_cast<size_t>(m)];
        field.values.data[static_cast<size_t>((p * channel_count + c) * count + m)] =
            analytic_derivative(channels[static_cast<size_t>(c)], alpha[0], alpha[1], x, y);
      }
    }
  }
  return field;
}

// Image whose (r, c, ch) value is value(channel function, x, y) on the grid.
Image on_grid(int64_t height, int64_t width, const std::function<double(const Analytic&, double, double)>& value) {
  return make_image(height, width, 2, [&](int64_t r, int64_t c, int64_t ch) {
    const double x = -1.0 + 2.0 * static_cast<double>(c) / static_cast<double>(width - 1);
    const double y = -1.0 + 2.0 * static_cast<double>(r) / static_cast<double>(height - 1);
    return value(kChannels[ch], x, y);
  });
}

constexpr int64_t kHeight = 17;  // h_y = 2 / 16
constexpr int64_t kWidth = 33;   // h_x = 2 / 32: a non-square grid, so x and y scale differently
constexpr double kHx = 2.0 / 32.0;
constexpr double kHy = 2.0 / 16.0;

TEST(AppsEdit, HeatSeriesBlurMatchesTheExactGaussianUpToThePredictedTruncation) {
  const double sigma = 2.0;  // pixels
  // Heat time per axis in coordinate units: t = (sigma h)² / 2.
  const double tx = std::pow(sigma * kHx, 2) / 2;
  const double ty = std::pow(sigma * kHy, 2) / 2;
  // The exact Gaussian blur (variances 2 tx, 2 ty): a wave is damped by e^{-s}; the polynomial's
  // blur follows from the Gaussian moments E[X²] = v, E[X⁴] = 3 v².
  const double vx = 2 * tx;
  const double vy = 2 * ty;
  auto damping = [&](const Analytic& f) { return tx * f.a * f.a + ty * f.b * f.b; };
  auto blurred_poly = [&](double x, double y) {
    return 0.3 * (std::pow(x, 4) + 6 * x * x * vx + 3 * vx * vx) + 0.2 * (x * x + vx) * (y * y + vy) -
           0.1 * (std::pow(y, 3) + 3 * y * vy) + 0.05 * x * y;
  };
  const Image exact = on_grid(kHeight, kWidth, [&](const Analytic& f, double x, double y) {
    return std::exp(-damping(f)) * std::sin(f.a * x) * std::cos(f.b * y) + f.w * blurred_poly(x, y);
  });
  for (int order : {4, 6}) {
    const int terms = order / 2;
    // The series is exact on the degree-4 polynomial and multiplies the wave by the truncated
    // exponential series T_K(-s) instead of e^{-s}.
    auto truncated_exp = [&](double s) {
      double sum = 0.0;
      double term = 1.0;
      for (int k = 0; k <= terms; ++k) {
        sum += term;
        term *= -s / (k + 1);
      }
      return sum;
    };
    const Image predicted = on_grid(kHeight, kWidth, [&](const Analytic& f, double x, double y) {
      return truncated_exp(damping(f)) * std::sin(f.a * x) * std::cos(f.b * y) + f.w * blurred_poly(x, y);
    });
    const Image blurred = heat_series_blur(analytic_field(kHeight, kWidth, order), sigma);
    EXPECT_LT(max_abs_difference(blurred, predicted), 2e-6) << "order " << order;

    // The error against the exact blur is the remainder e^{-s} - T_K(-s) on the wave, below the
    // alternating-series bound s^{K+1} / (K+1)!, and clearly nonzero.
    double predicted_error = 0.0;
    double bound = 0.0;
    for (size_t ch = 0; ch < 2; ++ch) {
      const double s = damping(kChannels[ch]);
      predicted_error = std::max(predicted_error, std::abs(std::exp(-s) - truncated_exp(s)));
      bound = std::max(bound, std::pow(s, terms + 1) / std::tgamma(terms + 2));
    }
    const double error = max_abs_difference(blurred, exact);
    EXPECT_LE(error, predicted_error + 2e-6) << "order " << order;
    EXPECT_GE(error, 0.9 * predicted_error) << "order " << order;  // the wave peaks near 1 on this grid
    EXPECT_LE(error, bound) << "order " << order;
    EXPECT_GT(error, 1e-4) << "order " << order;
  }
  EXPECT_THROW(heat_series_blur(analytic_field(kHeight, kWidth, 1), sigma), UserError);
}

TEST(AppsEdit, LaplacianGradientDirectionalAndSharpenMatchClosedForms) {
  const DerivativeField field = analytic_field(kHeight, kWidth, 2);
  // First and second derivatives of f_c written out by hand, in coordinate units.
  auto fx = [](const Analytic& f, double x, double y) {
    return f.a * std::cos(f.a * x) * std::cos(f.b * y) + f.w * (1.2 * x * x * x + 0.4 * x * y * y + 0.05 * y);
  };
  auto fy = [](const Analytic& f, double x, double y) {
    return -f.b * std::sin(f.a * x) * std::sin(f.b * y) + f.w * (0.4 * x * x * y - 0.3 * y * y + 0.05 * x);
  };
  auto value = [](const Analytic& f, double x, double y) {
    return std::sin(f.a * x) * std::cos(f.b * y) +
           f.w * (0.3 * std::pow(x, 4) + 0.2 * x * x * y * y - 0.1 * std::pow(y, 3) + 0.05 * x * y);
  };
  // Pixel units: Δ_px = h_x² ∂xx + h_y² ∂yy.
  auto pixel_laplacian = [](const Analytic& f, double x, double y) {
    const double wave = std::sin(f.a * x) * std::cos(f.b * y);
    return -(f.a * f.a * kHx * kHx + f.b * f.b * kHy * kHy) * wave +
           f.w * (kHx * kHx * (3.6 * x * x + 0.4 * y * y) + kHy * kHy * (0.4 * x * x - 0.6 * y));
  };
  EXPECT_LT(max_abs_difference(laplacian(field), on_grid(kHeight, kWidth, pixel_laplacian)), 1e-6);
  EXPECT_LT(max_abs_difference(laplacian_sharpen(field, 0.7), on_grid(kHeight, kWidth,
                                                                      [&](const Analytic& f, double x, double y) {
                                                                        return value(f, x, y) -
                                                                               0.7 * pixel_laplacian(f, x, y);
                                                                      })),
            1e-6);
  EXPECT_LT(max_abs_difference(gradient_magnitude(field), on_grid(kHeight, kWidth,
                                                                  [&](const Analytic& f, double x, double y) {
                                                                    return std::hypot(kHx * fx(f, x, y),
                                                                                      kHy * fy(f, x, y));
                                                                  })),
            1e-6);
  const double theta = 30.0 * std::numbers::pi / 180.0;
  EXPECT_LT(
      max_abs_difference(directional_derivative(field, 30.0), on_grid(kHeight, kWidth,
                                                                      [&](const Analytic& f, double x, double y) {
                                                                        return std::cos(theta) * kHx * fx(f, x, y) +
                                                                               std::sin(theta) * kHy * fy(f, x, y);
                                                                      })),
      1e-6);
  EXPECT_LT(max_abs_difference(partial_derivative(field, {0, 0}), on_grid(kHeight, kWidth, value)), 1e-6);
  // f_xyy = -a b² cos(ax) cos(by) + w · 0.8 x, scaled by h_x h_y².
  EXPECT_LT(
      max_abs_difference(partial_derivative(analytic_field(kHeight, kWidth, 3), {1, 2}),
                         on_grid(kHeight, kWidth,
                                 [](const Analytic& f, double x, double y) {
                                   return kHx * kHy * kHy *
                                          (-f.a * f.b * f.b * std::cos(f.a * x) * std::cos(f.b * y) + f.w * 0.8 * x);
                                 })),
      1e-6);
  EXPECT_THROW(partial_derivative(field, {1, 2}), UserError);
}

TEST(AppsEdit, MalformedDerivativeArraysAreUserErrors) {
  EXPECT_EQ(derivative_order(analytic_field(4, 5, 3)), 3);
  EXPECT_THROW(derivative_order(DerivativeField{Tensor({20, 2, 7}), 4, 5}), UserError);  // 7 is no C(n+2, 2)
  EXPECT_THROW(derivative_order(DerivativeField{Tensor({21, 2, 6}), 4, 5}), UserError);  // wrong point count
  EXPECT_THROW(derivative_order(DerivativeField{Tensor({20, 6}), 4, 5}), UserError);     // rank 2
  EXPECT_THROW(laplacian(analytic_field(4, 5, 1)), UserError);                           // order too low
}

TEST(AppsEdit, PixelAndDerivativeDomainsAgreeOnASmoothFunction) {
  // A smooth wave sampled at pixels: the pixel filters approximate the same pixel-unit quantities
  // the derivative edits compute exactly; the differences are the filters' discretisation errors.
  const int64_t size = 65;
  const double h = 2.0 / 64.0;
  const double a = 3.0;
  const double b = 2.0;
  const DerivativeField field = analytic_field(size, size, 6, {{a, b, 0.0}});
  const Image sampled = partial_derivative(field, {0, 0});
  auto interior_difference = [&](const Image& pixel, const Image& derived, int64_t border) {
    double worst = 0.0;
    for (int64_t r = border; r < size - border; ++r) {
      for (int64_t c = border; c < size - border; ++c)
        worst = std::max(worst, std::abs(static_cast<double>(pixel.at(r, c, 0)) - derived.at(r, c, 0)));
    }
    return worst;
  };
  // 5-point stencil error: (1/12)((a h)⁴ + (b h)⁴) |f| to leading order.
  const double stencil_error = (std::pow(a * h, 4) + std::pow(b * h, 4)) / 12.0;
  EXPECT_LT(interior_difference(laplacian(sampled), laplacian(field), 1), stencil_error * 1.05 + 1e-6);
  // Sobel damps each component by sin(ωh)/(ωh) · (1 + cos(ω_⊥h))/2, i.e. by at most
  // (ω_x h)²/6 + (ω_y h)²/4 relative (or x and y swapped), below ((a h)² + (b h)²)/3.
  EXPECT_LT(interior_difference(sobel_gradient_magnitude(sampled), gradient_magnitude(field), 1),
            std::hypot(a, b) * h * (std::pow(a * h, 2) + std::pow(b * h, 2)) / 3.0);
  // Gaussian blur: the sampled kernel damps the wave by e^{-σ²ω²/2} up to ~1e-5 (its 4σ truncation),
  // the order-6 series by the same factor up to s⁴/24 ~ 1e-9.
  const double sigma = 1.5;
  EXPECT_LT(interior_difference(gaussian_blur(sampled, sigma), heat_series_blur(field, sigma), 6), 1e-4);
}

// ---------------------------------------------------------------------------------------------
// Default image and panel

TEST(AppsDefaultImage, IsDeterministicInRangeAndHasTheClaimedContent) {
  const Image image = default_image();
  ASSERT_EQ(image.height, 256);
  ASSERT_EQ(image.width, 256);
  ASSERT_EQ(image.channels, 3);
  EXPECT_EQ(default_image().pixels, image.pixels);
  const auto [lowest, highest] = std::minmax_element(image.pixels.begin(), image.pixels.end());
  EXPECT_GE(*lowest, 0.0f);
  EXPECT_LE(*highest, 1.0f);
  EXPECT_GT(*highest - *lowest, 0.7f);

  // Shapes where the header says: the orange disc centred at (x, y) = (-0.45, -0.42) and the
  // magenta triangle around (-0.04, 0.05). Pixel (row, col) = ((y + 1) 255 / 2, (x + 1) 255 / 2).
  auto pixel = [&](double x, double y, int64_t channel) {
    return image.at(std::lround((y + 1) * 127.5), std::lround((x + 1) * 127.5), channel);
  };
  EXPECT_NEAR(pixel(-0.45, -0.42, 0), 0.95, 1e-3);
  EXPECT_NEAR(pixel(-0.45, -0.42, 2), 0.10, 1e-3);
  EXPECT_NEAR(pixel(-0.04, 0.05, 1), 0.10, 1e-3);

  // Sharp edges (a steep per-pixel gradient), large smooth regions, and texture (the rings).
  const Image gradient = sobel_gradient_magnitude(image);
  std::vector<float> sorted = gradient.pixels;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_GT(sorted.back(), 0.2f);
  EXPECT_LT(sorted[sorted.size() / 2], 0.01f);
  double ring_gradient = 0.0;  // mean gradient over the rings' inner area, lower left
  int64_t ring_pixels = 0;
  for (int64_t r = 0; r < 256; ++r) {
    for (int64_t c = 0; c < 256; ++c) {
      const double x = -1.0 + c / 127.5;
      const double y = -1.0 + r / 127.5;
      if (std::hypot(x + 0.48, y - 0.48) < 0.25) {
        ring_gradient += gradient.at(r, c, 1);
        ++ring_pixels;
      }
    }
  }
  EXPECT_GT(ring_gradient / static_cast<double>(ring_pixels), 0.03);
  EXPECT_THROW(default_image(1, 256), UserError);
}

TEST(AppsPanel, ComposesTitledTilesIntoAPngOfTheDocumentedSize) {
  const Image rgb =
      make_image(32, 40, 3, [](int64_t r, int64_t c, int64_t ch) { return ch == 0 ? r / 31.0 : c / 39.0; });
  const Image grey = make_image(24, 40, 1, [](int64_t, int64_t, int64_t) { return 0.5; });
  const Image panel = compose_panel({{"rgb", rgb}, {"grey", grey}, {"third", rgb}}, 2);
  // 2 columns, 2 rows of 40x32 cells (the largest tile), 8-pixel margins, 20-pixel title bands.
  ASSERT_EQ(panel.width, 8 + 2 * (40 + 8));
  ASSERT_EQ(panel.height, 8 + 2 * (20 + 32 + 8));
  ASSERT_EQ(panel.channels, 3);
  // Tiles sit below their title bands: the first at (8 + 20, 8), the grey one next to it.
  EXPECT_EQ(panel.at(28 + 31, 8 + 39, 0), rgb.at(31, 39, 0));
  EXPECT_EQ(panel.at(28 + 5, 56 + 7, 2), 0.5f);
  EXPECT_EQ(panel.at(28 + 30, 56 + 7, 2), 1.0f);  // below the shorter grey tile: background
  // Titles leave black ink in their bands, and only there.
  int64_t ink = 0;
  for (int64_t r = 8; r < 28; ++r) {
    for (int64_t c = 0; c < panel.width; ++c) ink += panel.at(r, c, 0) == 0.0f ? 1 : 0;
  }
  EXPECT_GT(ink, 20);
  EXPECT_EQ(panel.at(4, 4, 0), 1.0f);

  const std::string path = temp_path("panel.png");
  write_png(panel, path);
  const Image read = read_image(path);
  EXPECT_EQ(read.width, panel.width);
  EXPECT_EQ(read.height, panel.height);
  std::filesystem::remove(path);
  EXPECT_THROW(compose_panel({}), UserError);
  EXPECT_THROW(compose_panel({{"two channels", Image(4, 4, 2)}}), UserError);
}

}  // namespace
}  // namespace inrarch::apps
