#include "apps/edit.h"

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "util/error.h"

namespace inrarch::apps {
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text;
  for (int64_t dim : shape) text += (text.empty() ? "" : ", ") + std::to_string(dim);
  return "[" + text + "]";
}

// Reads ∂^α f in pixel units from a validated field (callers keep |α| <= the order they asked
// for): the one place the coordinate-to-pixel conversion happens.
class PixelDerivatives {
 public:
  PixelDerivatives(const DerivativeField& field, int needed_order, const std::string& operation)
      : field_(field), order_(derivative_order(field)) {
    if (order_ < needed_order) {
      throw UserError(operation + " needs derivatives of order >= " + std::to_string(needed_order) +
                      ", the derivative array has order " + std::to_string(order_));
    }
    channels_ = field.values.shape[1];
    count_ = field.values.shape[2];
    const double spacing_x = 2.0 / static_cast<double>(field.width - 1);
    const double spacing_y = 2.0 / static_cast<double>(field.height - 1);
    const auto side = static_cast<size_t>(order_ + 1);
    position_.assign(side * side, -1);
    scale_.assign(side * side, 0.0);
    const auto all = autodiff::multi_indices(2, order_);
    for (size_t position = 0; position < all.size(); ++position) {
      const size_t slot = static_cast<size_t>(all[position][0]) * side + static_cast<size_t>(all[position][1]);
      position_[slot] = static_cast<int64_t>(position);
      scale_[slot] = std::pow(spacing_x, all[position][0]) * std::pow(spacing_y, all[position][1]);
    }
  }

  int order() const { return order_; }

  double operator()(int64_t point, int64_t channel, int ax, int ay) const {
    const size_t slot = static_cast<size_t>(ax * (order_ + 1) + ay);
    return field_.values.data[static_cast<size_t>((point * channels_ + channel) * count_ + position_[slot])] *
           scale_[slot];
  }

  // An image whose pixel (point, channel) is value(point, channel).
  template <typename Value>
  Image map(Value value) const {
    Image image(field_.height, field_.width, channels_);
    for (int64_t point = 0; point < field_.height * field_.width; ++point) {
      for (int64_t channel = 0; channel < channels_; ++channel) {
        image.pixels[static_cast<size_t>(point * channels_ + channel)] = static_cast<float>(value(point, channel));
      }
    }
    return image;
  }

  double laplacian(int64_t point, int64_t channel) const {
    return (*this)(point, channel, 2, 0) + (*this)(point, channel, 0, 2);
  }

 private:
  const DerivativeField& field_;
  int order_ = 0;
  int64_t channels_ = 0;
  int64_t count_ = 0;
  // Indexed by a_x * (n + 1) + a_y for a_x + a_y <= n: where ∂^α f sits, and h_x^{a_x} h_y^{a_y}.
  std::vector<int64_t> position_;
  std::vector<double> scale_;
};

}  // namespace

int derivative_order(const DerivativeField& field) {
  const auto& shape = field.values.shape;
  const std::string what = "derivative array of shape " + shape_text(shape) + " on a " + std::to_string(field.height) +
                           "x" + std::to_string(field.width) + " grid";
  if (field.height < 2 || field.width < 2) throw UserError(what + ": the grid needs at least 2x2 points");
  if (shape.size() != 3 || shape[0] != field.height * field.width || shape[1] < 1) {
    throw UserError(what + ": expected [" + std::to_string(field.height * field.width) + ", channels, M]");
  }
  for (int order = 0; autodiff::multi_index_count(2, order) <= shape[2]; ++order) {
    if (autodiff::multi_index_count(2, order) == shape[2]) return order;
  }
  throw UserError(what + ": M = " + std::to_string(shape[2]) +
                  " is not C(n + 2, 2) for any order n (1, 3, 6, 10, ...)");
}

Image partial_derivative(const DerivativeField& field, const autodiff::MultiIndex& alpha) {
  if (alpha.size() != 2 || alpha[0] < 0 || alpha[1] < 0) {
    throw UserError("partial derivative: expected a 2-D multi-index (a_x, a_y) with a_x, a_y >= 0");
  }
  const PixelDerivatives d(field, autodiff::degree(alpha), autodiff::multi_index_name(alpha));
  return d.map([&](int64_t point, int64_t channel) { return d(point, channel, alpha[0], alpha[1]); });
}

Image heat_series_blur(const DerivativeField& field, double sigma) {
  if (!(sigma >= 0.0) || !std::isfinite(sigma)) {
    throw UserError("heat-series blur: sigma " + std::to_string(sigma) + " must be a finite number >= 0 (pixels)");
  }
  const PixelDerivatives d(field, 2, "heat-series blur");
  const int terms = d.order() / 2;
  const double time = sigma * sigma / 2.0;
  return d.map([&](int64_t point, int64_t channel) {
    double sum = 0.0;
    double time_power_over_factorial = 1.0;  // t^k / k!
    for (int k = 0; k <= terms; ++k) {
      double binomial = 1.0;  // C(k, i)
      for (int i = 0; i <= k; ++i) {
        sum += time_power_over_factorial * binomial * d(point, channel, 2 * i, 2 * (k - i));
        binomial = binomial * (k - i) / (i + 1);
      }
      time_power_over_factorial *= time / (k + 1);
    }
    return sum;
  });
}

Image laplacian_sharpen(const DerivativeField& field, double amount) {
  const PixelDerivatives d(field, 2, "Laplacian sharpen");
  return d.map(
      [&](int64_t point, int64_t channel) { return d(point, channel, 0, 0) - amount * d.laplacian(point, channel); });
}

Image laplacian(const DerivativeField& field) {
  const PixelDerivatives d(field, 2, "Laplacian");
  return d.map([&](int64_t point, int64_t channel) { return d.laplacian(point, channel); });
}

Image gradient_magnitude(const DerivativeField& field) {
  const PixelDerivatives d(field, 1, "gradient magnitude");
  return d.map(
      [&](int64_t point, int64_t channel) { return std::hypot(d(point, channel, 1, 0), d(point, channel, 0, 1)); });
}

Image directional_derivative(const DerivativeField& field, double theta_degrees) {
  const PixelDerivatives d(field, 1, "directional derivative");
  const double theta = theta_degrees * std::numbers::pi / 180.0;
  return d.map([&](int64_t point, int64_t channel) {
    return std::cos(theta) * d(point, channel, 1, 0) + std::sin(theta) * d(point, channel, 0, 1);
  });
}

}  // namespace inrarch::apps
