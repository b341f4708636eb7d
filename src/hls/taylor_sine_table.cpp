#include "hls/taylor_sine_table.h"

#include "autodiff/multi_index.h"

namespace inrarch::hls {

TaylorSineTable taylor_sine_table(int dims, int order) {
  const auto alphas = autodiff::multi_indices(dims, order);
  TaylorSineTable table;
  table.coefficients = static_cast<int>(alphas.size());
  table.first = {0, 0};  // the value (a = 0) has no terms: it is sin(u_0), cos(u_0)
  for (size_t a = 1; a < alphas.size(); ++a) {
    const auto& alpha = alphas[a];
    size_t i = 0;
    while (alpha[i] == 0) ++i;
    for (size_t b = 1; b <= a; ++b) {
      const auto& beta = alphas[b];
      bool within = beta[i] > 0;
      autodiff::MultiIndex rest(alpha.size());
      for (size_t k = 0; k < alpha.size(); ++k) {
        within = within && beta[k] <= alpha[k];
        rest[k] = alpha[k] - beta[k];
      }
      if (!within) continue;
      table.beta.push_back(static_cast<int>(b));
      table.rest.push_back(autodiff::multi_index_position(rest, order));
      table.weight.push_back(static_cast<double>(beta[i]) / alpha[i]);
    }
    table.first.push_back(static_cast<int>(table.beta.size()));
  }
  return table;
}

}  // namespace inrarch::hls
