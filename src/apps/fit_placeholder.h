// TEMPORARY, removed when branch `fit` merges: the part of apps/fit.h (GraphRunner, RunnerFactory,
// Adam) that apps/insp uses, with fit.h's declarations, so this branch builds before fit lands.
#pragma once

#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "exec/reference.h"
#include "ir/graph.h"
#include "ir/tensor.h"

namespace inrarch::apps {

using GraphRunner = std::function<std::vector<Tensor>(const std::map<std::string, Tensor>&)>;
using RunnerFactory = std::function<GraphRunner(const ir::Graph&)>;

inline RunnerFactory reference_runner_factory() {
  return [](const ir::Graph& graph) -> GraphRunner {
    return [graph](const std::map<std::string, Tensor>& inputs) { return exec::evaluate_reference(graph, inputs); };
  };
}

struct AdamOptions {
  double lr = 1e-4;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

class Adam {
 public:
  Adam(AdamOptions options, const std::vector<int64_t>& sizes) : options_(options) {
    for (int64_t size : sizes) {
      first_moment_.emplace_back(static_cast<size_t>(size), 0.0);
      second_moment_.emplace_back(static_cast<size_t>(size), 0.0);
    }
  }
  void step(const std::vector<std::vector<double>*>& parameters, const std::vector<const std::vector<double>*>& gradients) {
    ++steps_;
    const double correction1 = 1.0 - std::pow(options_.beta1, static_cast<double>(steps_));
    const double correction2 = 1.0 - std::pow(options_.beta2, static_cast<double>(steps_));
    for (size_t t = 0; t < parameters.size(); ++t) {
      std::vector<double>& value = *parameters[t];
      const std::vector<double>& gradient = *gradients[t];
      for (size_t i = 0; i < value.size(); ++i) {
        double& m = first_moment_[t][i];
        double& v = second_moment_[t][i];
        m = options_.beta1 * m + (1.0 - options_.beta1) * gradient[i];
        v = options_.beta2 * v + (1.0 - options_.beta2) * gradient[i] * gradient[i];
        value[i] -= options_.lr * (m / correction1) / (std::sqrt(v / correction2) + options_.eps);
      }
    }
  }

 private:
  AdamOptions options_;
  int64_t steps_ = 0;
  std::vector<std::vector<double>> first_moment_;
  std::vector<std::vector<double>> second_moment_;
};

}  // namespace inrarch::apps
