// ping's round-trip times in constant memory: exact min/avg/max/mdev from running sums, and
// percentiles from a log-bucketed sketch within its documented relative error.
#include <gtest/gtest.h>

#include <random>

#include "ping_stats.hpp"

namespace nbc::cli {
namespace {

// A long run of times, as an endless ping would see them: log-normal around 0.1 ms with a
// tail, rounded to the microsecond as ping rounds them.
std::vector<double> times(std::size_t n, unsigned seed) {
  std::mt19937_64 random(seed);
  std::lognormal_distribution<double> rtt(std::log(0.1), 1.0);
  std::vector<double> v;
  v.reserve(n);
  for (std::size_t i = 0; i < n; ++i) v.push_back(std::round(rtt(random) * 1000.0) / 1000.0);
  return v;
}

TEST(PingRttSketch, MemoryStaysBoundedOverAMillionProbes) {
  RttRecorder r;
  std::size_t after_warm_up = 0;
  for (std::size_t i = 0; i < 1'000'000; ++i) {
    r.add(0.05 + static_cast<double>(i % 977) * 0.013);
    if (i == 10'000) after_warm_up = r.footprint_bytes();
  }
  EXPECT_EQ(r.count(), 1'000'000u);
  EXPECT_EQ(r.footprint_bytes(), after_warm_up);
  EXPECT_LE(r.footprint_bytes(), 64u * 1024u);
}

TEST(PingRttSketch, PercentilesWithinTheDocumentedErrorAndTheRestExact) {
  std::vector<double> v = times(200'000, 42);
  RttRecorder r;
  double sum = 0, sum_sq = 0;
  for (double x : v) {
    r.add(x);
    sum += x;
    sum_sq += x * x;
  }
  std::vector<double> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  auto s = r.stats();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->min_ms, sorted.front());
  EXPECT_EQ(s->max_ms, sorted.back());
  double n = static_cast<double>(v.size());
  EXPECT_DOUBLE_EQ(s->avg_ms, sum / n);
  EXPECT_DOUBLE_EQ(s->mdev_ms, std::sqrt(sum_sq / n - (sum / n) * (sum / n)));
  const double bound = RttRecorder::kRelativeError * (1 + 1e-9);
  for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    double exact = nearest_rank(sorted, p);
    EXPECT_LE(std::abs(r.percentile(p) - exact), bound * exact) << "p" << p;
  }
  EXPECT_LE(std::abs(s->p99_ms - nearest_rank(sorted, 99)), bound * nearest_rank(sorted, 99));
}

TEST(PingRttSketch, ExactWhileShortAndZeroStaysZero) {
  std::vector<double> v = times(RttRecorder::kExactSamples, 7);
  RttRecorder r;
  for (double x : v) r.add(x);
  std::sort(v.begin(), v.end());
  EXPECT_EQ(r.percentile(50), nearest_rank(v, 50));
  EXPECT_EQ(r.percentile(99), nearest_rank(v, 99));

  RttRecorder zeros;
  for (int i = 0; i < 5000; ++i) zeros.add(i % 2 ? 0.0 : 3.0);
  EXPECT_EQ(zeros.percentile(50), 0.0);
  EXPECT_NEAR(zeros.percentile(99), 3.0, 3.0 * RttRecorder::kRelativeError);
  EXPECT_EQ(zeros.stats()->max_ms, 3.0);
}

TEST(PingRttSketch, SummaryCountsAsBefore) {
  RttRecorder r;
  for (double x : {4.0, 1.0, 3.0, 2.0}) r.add(x);
  PingStats s = ping_stats(5, r);
  EXPECT_EQ(s.connected, 4u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_DOUBLE_EQ(s.loss_pct, 20.0);
  EXPECT_DOUBLE_EQ(s.rtt->p50_ms, 2.0);
  EXPECT_FALSE(ping_stats(3, RttRecorder{}).rtt);
}

}  // namespace
}  // namespace nbc::cli
