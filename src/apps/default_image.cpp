#include "apps/default_image.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <random>
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

using Point = std::array<double, 2>;

// Everything that places and paints the picture's shapes; the default picture is one Scene, its
// variants are others.
struct Scene {
  // Background colour = base + gradient_u * u + gradient_v * v + wave_weight * wave, with
  // u = (x + 1) / 2, v = (y + 1) / 2, wave = wave_amplitude * sin(wave_frequency . (x, y)).
  Colour base = {0.15, 0.20, 0.60};
  Colour gradient_u = {0.35, 0.0, -0.25};
  Colour gradient_v = {0.0, 0.30, 0.0};
  Colour wave_weight = {1.0, 0.0, -1.0};
  double wave_amplitude = 0.05;
  Point wave_frequency = {2.0, 3.0};
  // Rings 0.5 + 0.5 cos(frequency * radius) scale ring_colour (plus ring_offset) in a soft disc.
  Point ring_centre = {-0.48, 0.48};
  double ring_window = 0.36;
  double ring_frequency = 50.0;
  Colour ring_colour = {0.95, 0.90, 0.75};
  Colour ring_offset = {0.0, 0.0, 0.1};
  Point blob_centre = {0.5, 0.45};
  double blob_sigma = 0.16;
  Colour blob_colour = {0.20, 0.85, 0.35};
  Point square_centre = {0.45, -0.45};
  double square_half_side = 0.26;
  double square_degrees = 20.0;
  Colour square_colour = {0.85, 0.85, 0.95};
  Point disc_centre = {-0.45, -0.42};
  double disc_radius = 0.30;
  Colour disc_colour = {0.95, 0.55, 0.10};
  std::array<Point, 3> triangle = {{{-0.05, -0.22}, {0.22, 0.22}, {-0.30, 0.16}}};
  Colour triangle_colour = {0.55, 0.10, 0.45};
};

Colour picture(double x, double y, const Scene& scene) {
  const double u = (x + 1.0) / 2.0;
  const double v = (y + 1.0) / 2.0;
  const double wave = scene.wave_amplitude * std::sin(scene.wave_frequency[0] * x + scene.wave_frequency[1] * y);
  Colour colour;
  for (size_t c = 0; c < 3; ++c) {
    colour[c] = scene.base[c] + scene.gradient_u[c] * u + scene.gradient_v[c] * v + scene.wave_weight[c] * wave;
  }

  const double ring_radius = std::hypot(x - scene.ring_centre[0], y - scene.ring_centre[1]);
  const double rings = 0.5 + 0.5 * std::cos(scene.ring_frequency * ring_radius);
  Colour ring_paint;
  for (size_t c = 0; c < 3; ++c) ring_paint[c] = scene.ring_colour[c] * rings + scene.ring_offset[c];
  blend(colour, ring_paint, coverage(ring_radius - scene.ring_window, kSoftEdge));

  const double blob = std::exp(-(std::pow(x - scene.blob_centre[0], 2) + std::pow(y - scene.blob_centre[1], 2)) /
                               (2.0 * scene.blob_sigma * scene.blob_sigma));
  blend(colour, scene.blob_colour, 0.9 * blob);

  const double angle = scene.square_degrees * std::numbers::pi / 180.0;
  const double dx = x - scene.square_centre[0], dy = y - scene.square_centre[1];
  const double sx = std::cos(angle) * dx + std::sin(angle) * dy;
  const double sy = -std::sin(angle) * dx + std::cos(angle) * dy;
  blend(colour, scene.square_colour,
        coverage(std::max(std::abs(sx), std::abs(sy)) - scene.square_half_side, kSoftEdge));

  blend(colour, scene.disc_colour,
        coverage(std::hypot(x - scene.disc_centre[0], y - scene.disc_centre[1]) - scene.disc_radius, kSharpEdge));

  blend(colour, scene.triangle_colour, coverage(triangle_distance(x, y, scene.triangle), kSharpEdge));

  for (double& channel : colour) channel = std::clamp(channel, 0.0, 1.0);
  return colour;
}

// A scene with every shape moved, resized and repainted at random. std::mt19937_64's sequence is
// fixed by the C++ standard and the conversion to [0, 1) is ours, so a seed gives the same picture
// on every platform.
Scene random_scene(uint64_t seed) {
  std::mt19937_64 engine(seed);
  const auto uniform = [&](double low, double high) {
    return low + (high - low) * static_cast<double>(engine() >> 11) * 0x1.0p-53;
  };
  const auto colour = [&] { return Colour{uniform(0.05, 0.95), uniform(0.05, 0.95), uniform(0.05, 0.95)}; };
  const auto point = [&] { return Point{uniform(-0.6, 0.6), uniform(-0.6, 0.6)}; };
  Scene scene;
  scene.base = {uniform(0.0, 0.5), uniform(0.0, 0.5), uniform(0.0, 0.5)};
  scene.gradient_u = {uniform(-0.3, 0.4), uniform(-0.3, 0.4), uniform(-0.3, 0.4)};
  scene.gradient_v = {uniform(-0.3, 0.4), uniform(-0.3, 0.4), uniform(-0.3, 0.4)};
  scene.wave_weight = {uniform(-1.0, 1.0), uniform(-1.0, 1.0), uniform(-1.0, 1.0)};
  scene.wave_frequency = {uniform(-4.0, 4.0), uniform(-4.0, 4.0)};
  scene.ring_centre = point();
  scene.ring_window = uniform(0.2, 0.45);
  scene.ring_frequency = uniform(30.0, 60.0);
  scene.ring_colour = colour();
  scene.ring_offset = {0.0, 0.0, 0.0};
  scene.blob_centre = point();
  scene.blob_sigma = uniform(0.08, 0.25);
  scene.blob_colour = colour();
  scene.square_centre = point();
  scene.square_half_side = uniform(0.12, 0.3);
  scene.square_degrees = uniform(0.0, 90.0);
  scene.square_colour = colour();
  scene.disc_centre = point();
  scene.disc_radius = uniform(0.12, 0.35);
  scene.disc_colour = colour();
  const Point centre = point();
  const double size = uniform(0.15, 0.35);
  for (Point& vertex : scene.triangle) vertex = {centre[0] + uniform(-size, size), centre[1] + uniform(-size, size)};
  scene.triangle_colour = colour();
  return scene;
}

Image render(const Scene& scene, int64_t height, int64_t width) {
  if (height < 2 || width < 2 || height > 16384 || width > 16384) {
    throw UserError("default image: size " + std::to_string(height) + "x" + std::to_string(width) +
                    " out of range (each side 2 to 16384)");
  }
  Image image(height, width, 3);
  for (int64_t row = 0; row < height; ++row) {
    const double y = -1.0 + 2.0 * static_cast<double>(row) / static_cast<double>(height - 1);
    for (int64_t col = 0; col < width; ++col) {
      const double x = -1.0 + 2.0 * static_cast<double>(col) / static_cast<double>(width - 1);
      const Colour colour = picture(x, y, scene);
      for (int64_t c = 0; c < 3; ++c) image.at(row, col, c) = static_cast<float>(colour[static_cast<size_t>(c)]);
    }
  }
  return image;
}

}  // namespace

Image default_image(int64_t height, int64_t width) { return render(Scene{}, height, width); }

Image default_image_variant(uint64_t seed, int64_t height, int64_t width) {
  return render(seed == 0 ? Scene{} : random_scene(seed), height, width);
}

}  // namespace inrarch::apps
