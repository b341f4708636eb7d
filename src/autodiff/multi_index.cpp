#include "autodiff/multi_index.h"

#include <numeric>
#include <stdexcept>

namespace inrarch::autodiff {
namespace {

// Appends every α of exactly `remaining` total degree over coordinates [axis, dims), larger
// exponents on earlier coordinates first.
void append_degree(int dims, int axis, int remaining, MultiIndex& alpha, std::vector<MultiIndex>& out) {
  if (axis == dims - 1) {
    alpha[static_cast<size_t>(axis)] = remaining;
    out.push_back(alpha);
    return;
  }
  for (int exponent = remaining; exponent >= 0; --exponent) {
    alpha[static_cast<size_t>(axis)] = exponent;
    append_degree(dims, axis + 1, remaining - exponent, alpha, out);
  }
}

}  // namespace

std::vector<MultiIndex> multi_indices(int dims, int order) {
  if (dims < 1 || order < 0) throw std::invalid_argument("multi_indices: dims >= 1 and order >= 0 required");
  std::vector<MultiIndex> out;
  MultiIndex alpha(static_cast<size_t>(dims), 0);
  for (int total = 0; total <= order; ++total) append_degree(dims, 0, total, alpha, out);
  return out;
}

int degree(const MultiIndex& alpha) { return std::accumulate(alpha.begin(), alpha.end(), 0); }

int multi_index_count(int dims, int order) {
  long long count = 1;
  for (int k = 1; k <= dims; ++k) count = count * (order + k) / k;
  return static_cast<int>(count);
}

int multi_index_position(const MultiIndex& alpha, int order) {
  const int total = degree(alpha);
  if (total > order) throw std::invalid_argument("multi_index_position: |alpha| exceeds the order");
  const auto dims = static_cast<int>(alpha.size());
  // Everything of lower degree comes first, then the rank of α within its degree.
  int position = total == 0 ? 0 : multi_index_count(dims, total - 1);
  int remaining = total;
  for (int axis = 0; axis + 1 < dims; ++axis) {
    // Indices with a larger exponent on this axis (same prefix) come before α.
    for (int exponent = remaining; exponent > alpha[static_cast<size_t>(axis)]; --exponent) {
      position += multi_index_count(dims - axis - 1, remaining - exponent) -
                  (remaining - exponent == 0 ? 0 : multi_index_count(dims - axis - 1, remaining - exponent - 1));
    }
    remaining -= alpha[static_cast<size_t>(axis)];
  }
  return position;
}

double factorial(const MultiIndex& alpha) {
  double result = 1.0;
  for (int exponent : alpha) {
    for (int k = 2; k <= exponent; ++k) result *= k;
  }
  return result;
}

std::string multi_index_name(const MultiIndex& alpha) {
  static const char kNames[] = {'x', 'y', 'z', 'w'};
  std::string name = "f";
  if (degree(alpha) > 0) name += "_";
  for (size_t axis = 0; axis < alpha.size(); ++axis) {
    const char coordinate = axis < sizeof kNames ? kNames[axis] : '?';
    name += std::string(static_cast<size_t>(alpha[axis]), coordinate);
  }
  return name;
}

}  // namespace inrarch::autodiff
