// A concrete tensor of doubles: what flows into and out of executors and file readers.
#pragma once

#include <cstdint>
#include <vector>

namespace inrarch {

struct Tensor {
  std::vector<int64_t> shape;  // concrete sizes, row-major
  std::vector<double> data;

  Tensor() = default;
  Tensor(std::vector<int64_t> shape_, std::vector<double> data_) : shape(std::move(shape_)), data(std::move(data_)) {}
  explicit Tensor(std::vector<int64_t> shape_) : shape(std::move(shape_)), data(static_cast<size_t>(count(shape)), 0.0) {}

  static int64_t count(const std::vector<int64_t>& shape) {
    int64_t n = 1;
    for (int64_t dim : shape) n *= dim;
    return n;
  }
  int64_t size() const { return static_cast<int64_t>(data.size()); }
};

// Calls visit(flat, index) for every element of `shape` in row-major order, `index` being the
// multi-index of element `flat`.
template <typename Visit>
void for_each_index(const std::vector<int64_t>& shape, Visit visit) {
  const int64_t total = Tensor::count(shape);
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t flat = 0; flat < total; ++flat) {
    visit(flat, index);
    for (size_t axis = shape.size(); axis-- > 0;) {
      if (++index[axis] < shape[axis]) break;
      index[axis] = 0;
    }
  }
}

}  // namespace inrarch
