#include "models/points.h"

#include <sstream>

#include "util/error.h"

namespace inrarch::models {

std::vector<int64_t> parse_grid(const std::string& text) {
  std::vector<int64_t> sizes;
  std::stringstream parts(text);
  std::string part;
  while (std::getline(parts, part, 'x')) {
    size_t used = 0;
    long long size = 0;
    try {
      size = std::stoll(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != part.size() || size < 1 || size > 16384) {
      throw UserError("grid \"" + text + "\": each size must be a whole number from 1 to 16384 (e.g. 256x256)");
    }
    sizes.push_back(size);
  }
  if (sizes.empty() || sizes.size() > 3 || text.back() == 'x') {
    throw UserError("grid \"" + text + "\": expected W, HxW or DxHxW");
  }
  return sizes;
}

Tensor grid_points(const std::vector<int64_t>& sizes) {
  const auto dims = static_cast<int64_t>(sizes.size());
  const int64_t count = Tensor::count(sizes);
  Tensor points({count, dims});
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t rest = flat;
    for (int64_t axis = dims - 1; axis >= 0; --axis) {
      const int64_t size = sizes[static_cast<size_t>(axis)];
      const int64_t index = rest % size;
      rest /= size;
      const int64_t coordinate = dims - 1 - axis;  // fastest axis is x
      points.data[static_cast<size_t>(flat * dims + coordinate)] =
          size == 1 ? 0.0 : -1.0 + 2.0 * static_cast<double>(index) / static_cast<double>(size - 1);
    }
  }
  return points;
}

}  // namespace inrarch::models
