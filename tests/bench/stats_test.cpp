#include "bench/stats.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <random>

#include "rill/error.h"

namespace rill::bench {
namespace {

TEST(BenchStats, PercentilesInterpolateBetweenClosestRanks) {
  // numpy.percentile's default (linear): rank = p/100 * (n - 1).
  const std::vector<double> v = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(percentile(v, 0), 1);
  EXPECT_DOUBLE_EQ(percentile(v, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile(v, 90), 3.7);
  EXPECT_DOUBLE_EQ(percentile(v, 100), 4);
  EXPECT_DOUBLE_EQ(median({5, 1, 3}), 3);
  EXPECT_DOUBLE_EQ(median({7}), 7);
}

TEST(BenchStats, PercentilesOfOneToHundredOneMatchTheirRanks) {
  std::vector<double> v(101);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i + 1);
  std::shuffle(v.begin(), v.end(), std::mt19937(7));  // order must not matter
  const LatencyStats s = summarize(v);
  EXPECT_EQ(s.count, 101u);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 101);
  EXPECT_DOUBLE_EQ(s.mean, 51);
  EXPECT_DOUBLE_EQ(s.median, 51);
  EXPECT_DOUBLE_EQ(s.p90, 91);
  EXPECT_DOUBLE_EQ(s.p95, 96);
  EXPECT_DOUBLE_EQ(s.p99, 100);
  EXPECT_NEAR(s.stddev, 29.154759474226502, 1e-12);  // sqrt((101^2 - 1) / 12)
}

TEST(BenchStats, SummaryOfOneSampleIsThatSample) {
  const LatencyStats s = summarize({0.25});
  EXPECT_EQ(s.count, 1u);
  for (double v : {s.min, s.mean, s.median, s.p90, s.p95, s.p99, s.max}) EXPECT_DOUBLE_EQ(v, 0.25);
  EXPECT_DOUBLE_EQ(s.stddev, 0);
}

TEST(BenchStats, EmptySummaryIsZeroAndEmptyPercentileThrows) {
  const LatencyStats s = summarize({});
  EXPECT_EQ(s.count, 0u);
  EXPECT_DOUBLE_EQ(s.median, 0);
  EXPECT_THROW(percentile({}, 50), Error);
  EXPECT_THROW(percentile({1.0}, 101), Error);
  EXPECT_THROW(percentile({1.0}, -1), Error);
}

TEST(BenchStats, TailPercentilesSeeOutliers) {
  std::vector<double> v(1000, 1.0);
  v[0] = 50;  // one slow iteration in a thousand
  const LatencyStats s = summarize(v);
  EXPECT_DOUBLE_EQ(s.median, 1);
  EXPECT_DOUBLE_EQ(s.p99, 1);
  EXPECT_DOUBLE_EQ(s.max, 50);
  EXPECT_NEAR(s.mean, 1.049, 1e-12);
}

}  // namespace
}  // namespace rill::bench
