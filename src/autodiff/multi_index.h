// Multi-indices α = (a_x, a_y[, a_z]) with |α| <= n in graded lexicographic order:
// (0,0), (1,0), (0,1), (2,0), (1,1), (0,2), (3,0), ... — within one degree, a larger exponent on
// an earlier coordinate comes first. This order is the layout of every derivative array we write.
#pragma once

#include <string>
#include <vector>

namespace inrarch::autodiff {

using MultiIndex = std::vector<int>;

std::vector<MultiIndex> multi_indices(int dims, int order);
// Position of α in multi_indices(α.size(), order); throws if |α| > order.
int multi_index_position(const MultiIndex& alpha, int order);
int degree(const MultiIndex& alpha);
// α! = Π a_i!, the factor between a Taylor coefficient and the derivative ∂^α f.
double factorial(const MultiIndex& alpha);
// C(order + dims, dims).
int multi_index_count(int dims, int order);
// "f", "f_x", "f_xy", "f_yyz": a name for files and plots (coordinates x, y, z).
std::string multi_index_name(const MultiIndex& alpha);

}  // namespace inrarch::autodiff
