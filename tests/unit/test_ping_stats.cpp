// The arithmetic of ping's summary: loss, min/avg/max/mdev and nearest-rank percentiles.
#include <gtest/gtest.h>

#include "ping_stats.hpp"

namespace nbc::cli {
namespace {

TEST(PingStats, FiguresOfKnownValues) {
  PingStats s = compute_ping_stats(5, {4.0, 1.0, 3.0, 2.0});
  EXPECT_EQ(s.sent, 5u);
  EXPECT_EQ(s.connected, 4u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_DOUBLE_EQ(s.loss_pct, 20.0);
  ASSERT_TRUE(s.rtt);
  EXPECT_DOUBLE_EQ(s.rtt->min_ms, 1.0);
  EXPECT_DOUBLE_EQ(s.rtt->max_ms, 4.0);
  EXPECT_DOUBLE_EQ(s.rtt->avg_ms, 2.5);
  EXPECT_DOUBLE_EQ(s.rtt->mdev_ms, std::sqrt(1.25));  // population standard deviation
  EXPECT_DOUBLE_EQ(s.rtt->p50_ms, 2.0);               // rank ceil(0.5 * 4) = 2
  EXPECT_DOUBLE_EQ(s.rtt->p90_ms, 4.0);               // rank ceil(3.6) = 4
  EXPECT_DOUBLE_EQ(s.rtt->p99_ms, 4.0);
}

TEST(PingStats, PercentilesOfAHundredValues) {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);
  PingStats s = compute_ping_stats(100, v);
  EXPECT_DOUBLE_EQ(s.rtt->p50_ms, 50.0);
  EXPECT_DOUBLE_EQ(s.rtt->p90_ms, 90.0);
  EXPECT_DOUBLE_EQ(s.rtt->p99_ms, 99.0);
  EXPECT_DOUBLE_EQ(s.loss_pct, 0.0);
}

TEST(PingStats, OneValue) {
  PingStats s = compute_ping_stats(1, {0.25});
  EXPECT_DOUBLE_EQ(s.rtt->mdev_ms, 0.0);
  EXPECT_DOUBLE_EQ(s.rtt->p50_ms, 0.25);
  EXPECT_DOUBLE_EQ(s.rtt->p99_ms, 0.25);
}

TEST(PingStats, TotalLossHasNoRtt) {
  PingStats s = compute_ping_stats(3, {});
  EXPECT_EQ(s.failed, 3u);
  EXPECT_DOUBLE_EQ(s.loss_pct, 100.0);
  EXPECT_FALSE(s.rtt);
}

TEST(PingStats, NothingSent) {
  PingStats s = compute_ping_stats(0, {});
  EXPECT_DOUBLE_EQ(s.loss_pct, 0.0);
  EXPECT_FALSE(s.rtt);
}

}  // namespace
}  // namespace nbc::cli
