// The structure of Taylor mode's coupled sine/cosine rule, as the table the taylor_sine kernel
// (include/inrarch_hls/taylor_sine.h) reads: for each coefficient a (graded order, a != 0) the
// terms (b, a-b, b_i/a_i) of s_a = sum (b_i/a_i) u_b c_{a-b}, i the first coordinate with a_i > 0.
// Building it from the multi-indices keeps the kernel generic in the number of coordinates and
// the order; matching the rule in derivative graphs to use the kernel is future work.
#pragma once

#include <vector>

namespace inrarch::hls {

struct TaylorSineTable {
  int coefficients = 0;        // M = C(order + dims, dims)
  std::vector<int> first;      // M + 1 entries: terms first[a] .. first[a+1]-1 belong to a
  std::vector<int> beta;       // per term: position of b
  std::vector<int> rest;       // per term: position of a - b
  std::vector<double> weight;  // per term: b_i / a_i
};

TaylorSineTable taylor_sine_table(int dims, int order);

}  // namespace inrarch::hls
