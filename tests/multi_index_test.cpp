#include <gtest/gtest.h>

#include "autodiff/multi_index.h"

namespace inrarch::autodiff {
namespace {

TEST(MultiIndex, GradedLexicographicOrderIn2D) {
  const std::vector<MultiIndex> expected = {{0, 0}, {1, 0}, {0, 1}, {2, 0}, {1, 1}, {0, 2},
                                            {3, 0}, {2, 1}, {1, 2}, {0, 3}};
  EXPECT_EQ(multi_indices(2, 3), expected);
}

TEST(MultiIndex, CountsAndPositionsAgreeWithEnumeration) {
  for (int dims = 1; dims <= 3; ++dims) {
    for (int order = 0; order <= 6; ++order) {
      const auto all = multi_indices(dims, order);
      // C(order + dims, dims) computed independently by Pascal's rule.
      std::vector<std::vector<long>> pascal(20, std::vector<long>(20, 0));
      for (int n = 0; n < 20; ++n) {
        pascal[n][0] = 1;
        for (int k = 1; k <= n; ++k) pascal[n][k] = pascal[n - 1][k - 1] + pascal[n - 1][k];
      }
      ASSERT_EQ(static_cast<long>(all.size()), pascal[order + dims][dims]);
      EXPECT_EQ(multi_index_count(dims, order), static_cast<int>(all.size()));
      for (size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(multi_index_position(all[i], order), static_cast<int>(i));
        if (i > 0) {
          EXPECT_LE(degree(all[i - 1]), degree(all[i]));
        }
      }
    }
  }
}

TEST(MultiIndex, FactorialAndNames) {
  EXPECT_EQ(factorial({3, 2}), 12.0);
  EXPECT_EQ(multi_index_name({0, 0}), "f");
  EXPECT_EQ(multi_index_name({1, 2}), "f_xyy");
  EXPECT_EQ(multi_index_name({0, 1, 1}), "f_yz");
}

}  // namespace
}  // namespace inrarch::autodiff
