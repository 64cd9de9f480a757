// nearest_rank_percentile: every answer is a sample, the smallest with at least
// pct % of the samples at or below it.
#include <gtest/gtest.h>

#include <vector>

#include "smh/sim/percentile.hpp"

namespace smh::sim {
namespace {

TEST(Percentile, NearestRankIsASampleWithAtLeastPctAtOrBelowIt) {
  // 10 samples, given out of order: 0.1 .. 1.0.
  const std::vector<double> tenths = {0.7, 0.1, 1.0, 0.4, 0.2, 0.9, 0.3, 0.6, 0.5, 0.8};
  EXPECT_DOUBLE_EQ(nearest_rank_percentile(tenths, 10), 0.1);
  EXPECT_DOUBLE_EQ(nearest_rank_percentile(tenths, 11), 0.2) << "1 of 10 is below 11 %";
  EXPECT_DOUBLE_EQ(nearest_rank_percentile(tenths, 50), 0.5);
  EXPECT_DOUBLE_EQ(nearest_rank_percentile(tenths, 95), 1.0);
  EXPECT_DOUBLE_EQ(nearest_rank_percentile(tenths, 100), 1.0);
  EXPECT_DOUBLE_EQ(nearest_rank_percentile({0.25}, 1), 0.25);
  EXPECT_DOUBLE_EQ(nearest_rank_percentile({0.25}, 100), 0.25);
  EXPECT_DOUBLE_EQ(nearest_rank_percentile({}, 50), 0.0) << "no samples";
}

}  // namespace
}  // namespace smh::sim
