// Coordinate sets: regular grids over [-1, 1]^d, the convention every INR in this project uses.
#pragma once

#include <string>
#include <vector>

#include "ir/tensor.h"

namespace inrarch::models {

// Parses "HxW" (or "W", "DxHxW") into sizes, slowest axis first. Throws UserError naming the text.
std::vector<int64_t> parse_grid(const std::string& text);

// Points of a grid, row-major over `sizes` (slowest axis first), shape [prod(sizes), d].
// Coordinate 0 (x) runs along the LAST (fastest) axis, coordinate 1 (y) along the one before, so
// for an image "HxW" a point is (x = column, y = row), both from -1 to 1 inclusive.
Tensor grid_points(const std::vector<int64_t>& sizes);

}  // namespace inrarch::models
