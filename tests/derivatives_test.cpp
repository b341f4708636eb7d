// The derivative compiler end to end (derive + optimize + reference evaluator) against PyTorch's
// autograd values stored in tests/data, and Taylor mode against nested reverse mode.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "autodiff/derive.h"
#include "exec/reference.h"
#include "models/model.h"
#include "models/npy.h"
#include "models/siren.h"
#include "passes/pipeline.h"

namespace inrarch {
namespace {

Tensor derivatives(const ir::Graph& forward, const Tensor& points, int order, autodiff::Method method) {
  autodiff::DeriveSpec spec;
  spec.order = order;
  spec.method = method;
  passes::PipelineOptions options;
  options.verify_each_pass = true;
  const ir::Graph graph = passes::optimize(autodiff::derive(forward, spec), options);
  const std::string input = forward.node(autodiff::coordinate_input(forward, "")).attrs.name;
  return exec::evaluate_reference(graph, {{input, points}}).at(0);
}

// Largest relative difference, relative to the largest |expected| of each derivative index: orders
// differ in magnitude by omega^k, so one scale for all would hide errors in the small ones.
double worst_relative_error(const Tensor& ours, const Tensor& expected, int64_t upto_m) {
  const int64_t points = expected.shape[0], channels = expected.shape[1], m = expected.shape[2];
  const int64_t our_m = ours.shape[2];
  double worst = 0;
  for (int64_t k = 0; k < upto_m; ++k) {
    double scale = 0;
    for (int64_t p = 0; p < points; ++p) {
      for (int64_t c = 0; c < channels; ++c) scale = std::max(scale, std::abs(expected.data[static_cast<size_t>((p * channels + c) * m + k)]));
    }
    for (int64_t p = 0; p < points; ++p) {
      for (int64_t c = 0; c < channels; ++c) {
        const double e = expected.data[static_cast<size_t>((p * channels + c) * m + k)];
        const double o = ours.data[static_cast<size_t>((p * channels + c) * our_m + k)];
        worst = std::max(worst, std::abs(o - e) / std::max(scale, 1e-300));
      }
    }
  }
  return worst;
}

class AgainstPyTorch : public ::testing::TestWithParam<std::string> {};

TEST_P(AgainstPyTorch, BothMethodsMatchAutogradUpToOrder4) {
  const std::string data = std::string(INRARCH_TEST_DATA) + "/" + GetParam();
  const ir::Graph forward = models::load_model(data + ".onnx", ir::DType::F64);
  const Tensor points = models::read_npy(data + "_points.npy");
  const Tensor expected = models::read_npy(data + "_derivatives.npy");  // [P, C, M(4)] from torch
  ASSERT_EQ(expected.shape.size(), 3u);
  const int dims = static_cast<int>(points.shape[1]);
  for (int order = 0; order <= 4; ++order) {
    const int64_t m = autodiff::multi_index_count(dims, order);
    for (const auto method : {autodiff::Method::Taylor, autodiff::Method::Nested}) {
      const Tensor ours = derivatives(forward, points, order, method);
      ASSERT_EQ(ours.shape, (std::vector<int64_t>{expected.shape[0], expected.shape[1], m}));
      EXPECT_LT(worst_relative_error(ours, expected, m), 1e-9)
          << GetParam() << " order " << order << (method == autodiff::Method::Taylor ? " taylor" : " nested");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(ExportedModels, AgainstPyTorch,
                         ::testing::Values("siren_1_1", "siren_2_3", "siren_3_2", "tanh_2_2"));

TEST(TaylorVsNested, AgreeOnRandomPointsAndSeeds) {
  for (int seed = 0; seed < 3; ++seed) {
    for (int dims = 1; dims <= 3; ++dims) {
      const auto spec = models::parse_siren_spec("siren:in=" + std::to_string(dims) + ",out=2,width=12,hidden=1,omega=30,seed=" +
                                                 std::to_string(seed));
      const ir::Graph forward = models::build_siren(spec, models::init_siren(spec), ir::DType::F64);
      std::mt19937_64 random(static_cast<uint64_t>(100 + seed));
      std::uniform_real_distribution<double> uniform(-1.0, 1.0);
      Tensor points({5, dims});
      for (auto& value : points.data) value = uniform(random);
      const int top = dims == 3 ? 3 : 4;  // nested order 4 in 3-d builds 81 grad calls per channel
      for (int order = 0; order <= top; ++order) {
        const Tensor taylor = derivatives(forward, points, order, autodiff::Method::Taylor);
        const Tensor nested = derivatives(forward, points, order, autodiff::Method::Nested);
        EXPECT_LT(worst_relative_error(taylor, nested, nested.shape[2]), 1e-9)
            << "seed " << seed << " dims " << dims << " order " << order;
      }
    }
  }
}

}  // namespace
}  // namespace inrarch
