#include "apps/default_image.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>

#include "util/error.h"

namespace inrarch::apps {
namespace {

using Colour = std::array<double, 3>;

// Edge widths in coordinate units: 2 / 255 is one pixel at 256x256.
constexpr double kSharpEdge = 3.0 / 255.0;
constexpr double kSoftEdge = 20.0 / 255.0;

// How much of a shape covers a point at signed distance `distance` from its boundary (negative
// inside): 1 inside, 0 outside, a C1 smoothstep of total width `edge` across the boundary.
double coverage(double distance, double edge) {
  const double s = std::clamp(0.5 - distance / edge, 0.0, 1.0);
  return s * s * (3.0 - 2.0 * s);
}

void blend(Colour& colour, const Colour& paint, double alpha) {
  for (size_t c = 0; c < 3; ++c) colour[c] += alpha * (paint[c] - colour[c]);
}

// Distance-like measure to a triangle (either orientation), negative inside: the largest signed
// distance to the lines of its edges. Exact near the edges, which is where coverage() looks.
double triangle_distance(double x, double y, const std::array<std::array<double, 2>, 3>& vertices) {
  double outside = -1e9;  // max over edges of the signed distance to each edge's line
  double area = 0.0;
  for (size_t i = 0; i < 3; ++i) {
    const auto& p = vertices[i];
    const auto& q = vertices[(i + 1) % 3];
    area += p[0] * q[1] - q[0] * p[1];
  }
  const double orientation = area > 0 ? 1.0 : -1.0;
  for (size_t i = 0; i < 3; ++i) {
    const auto& p = vertices[i];
    const auto& q = vertices[(i + 1) % 3];
    const double ex = q[0] - p[0];
    const double ey = q[1] - p[1];
    const double length = std::hypot(ex, ey);
    // Outward normal distance: positive on the outer side of edge p -> q.
    outside = std::max(outside, orientation * ((x - p[0]) * ey - (y - p[1]) * ex) / length);
  }
  return outside;
}

Colour picture(double x, double y) {
  // Background: a diagonal colour gradient with a gentle wave.
  const double u = (x + 1.0) / 2.0;
  const double v = (y + 1.0) / 2.0;
  const double wave = 0.05 * std::sin(2.0 * x + 3.0 * y);
  Colour colour = {0.15 + 0.35 * u + wave, 0.20 + 0.30 * v, 0.60 - 0.25 * u - wave};

  // Concentric rings in a soft disc window, lower left.
  const double ring_radius = std::hypot(x + 0.48, y - 0.48);
  const double rings = 0.5 + 0.5 * std::cos(50.0 * ring_radius);
  blend(colour, {0.95 * rings, 0.90 * rings, 0.75 * rings + 0.1}, coverage(ring_radius - 0.36, kSoftEdge));

  // Gaussian blob, lower right.
  const double blob = std::exp(-(std::pow(x - 0.5, 2) + std::pow(y - 0.45, 2)) / (2.0 * 0.16 * 0.16));
  blend(colour, {0.20, 0.85, 0.35}, 0.9 * blob);

  // Soft-edged square, upper right, rotated by 20 degrees.
  const double angle = 20.0 * std::numbers::pi / 180.0;
  const double sx = std::cos(angle) * (x - 0.45) + std::sin(angle) * (y + 0.45);
  const double sy = -std::sin(angle) * (x - 0.45) + std::cos(angle) * (y + 0.45);
  blend(colour, {0.85, 0.85, 0.95}, coverage(std::max(std::abs(sx), std::abs(sy)) - 0.26, kSoftEdge));

  // Sharp-edged disc, upper left.
  blend(colour, {0.95, 0.55, 0.10}, coverage(std::hypot(x + 0.45, y + 0.42) - 0.30, kSharpEdge));

  // Sharp-edged triangle in the middle, overlapping the others' surroundings.
  blend(colour, {0.55, 0.10, 0.45},
        coverage(triangle_distance(x, y, {{{-0.05, -0.22}, {0.22, 0.22}, {-0.30, 0.16}}}), kSharpEdge));

  for (double& channel : colour) channel = std::clamp(channel, 0.0, 1.0);
  return colour;
}

}  // namespace

Image default_image(int64_t height, int64_t width) {
  if (height < 2 || width < 2 || height > 16384 || width > 16384) {
    throw UserError("default image: size " + std::to_string(height) + "x" + std::to_string(width) +
                    " out of range (each side 2 to 16384)");
  }
  Image image(height, width, 3);
  for (int64_t row = 0; row < height; ++row) {
    const double y = -1.0 + 2.0 * static_cast<double>(row) / static_cast<double>(height - 1);
    for (int64_t col = 0; col < width; ++col) {
      const double x = -1.0 + 2.0 * static_cast<double>(col) / static_cast<double>(width - 1);
      const Colour colour = picture(x, y);
      for (int64_t c = 0; c < 3; ++c) image.at(row, col, c) = static_cast<float>(colour[static_cast<size_t>(c)]);
    }
  }
  return image;
}

}  // namespace inrarch::apps
