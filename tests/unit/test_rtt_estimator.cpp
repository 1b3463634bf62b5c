// The scan's round-trip estimator: RFC 6298's SRTT/RTTVAR arithmetic, the timeout within its
// bounds, the back-off of retries, and the per-host table in both its forms.
#include <gtest/gtest.h>

#include "rtt_estimator.hpp"

namespace nbc::detail {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

RttBounds bounds(milliseconds initial, milliseconds min, milliseconds max) {
  return RttBounds{initial, min, max};
}

TEST(RttEstimator, FirstSampleSetsSrttAndHalfOfItAsVariance) {
  RttEstimator e;
  EXPECT_FALSE(e.sampled());
  e.sample(milliseconds(40), 1);
  EXPECT_TRUE(e.sampled());
  EXPECT_FLOAT_EQ(e.srtt_us(), 40000.0f);
  EXPECT_FLOAT_EQ(e.rttvar_us(), 20000.0f);
  // SRTT + 4 RTTVAR = 40 + 80 ms, within [10 ms, 1 s].
  EXPECT_EQ(e.timeout(bounds(milliseconds(500), milliseconds(10), milliseconds(1000)), 1),
            milliseconds(120));
}

TEST(RttEstimator, LaterSamplesFollowAlphaAndBeta) {
  RttEstimator e;
  e.sample(milliseconds(40), 1);
  e.sample(milliseconds(80), 1);
  // RTTVAR = 3/4 * 20 + 1/4 * |40 - 80| = 25 ms, from the old SRTT; SRTT = 7/8 * 40 + 1/8 * 80.
  EXPECT_FLOAT_EQ(e.rttvar_us(), 25000.0f);
  EXPECT_FLOAT_EQ(e.srtt_us(), 45000.0f);
  EXPECT_EQ(e.timeout(bounds(milliseconds(500), milliseconds(1), milliseconds(1000)), 1),
            milliseconds(145));
}

TEST(RttEstimator, SteadySamplesConvergeAndTheGranularityIsTheLeastMargin) {
  RttEstimator e;
  for (int i = 0; i < 200; ++i) e.sample(microseconds(50), 1);
  EXPECT_NEAR(e.srtt_us(), 50.0f, 0.01f);
  EXPECT_LT(e.rttvar_us(), 0.01f);
  // SRTT + max(G, 4 RTTVAR) with G = 1 ms, when no floor is set.
  auto t = e.timeout(bounds(milliseconds(500), milliseconds(0), milliseconds(1000)), 1);
  EXPECT_GE(t, kRttGranularity + microseconds(49));
  EXPECT_LE(t, kRttGranularity + microseconds(51));
}

TEST(RttEstimator, TimeoutIsClampedToTheBounds) {
  RttEstimator fast;
  fast.sample(microseconds(30), 1);
  EXPECT_EQ(fast.timeout(bounds(milliseconds(1000), milliseconds(100), milliseconds(10000)), 1),
            milliseconds(100));
  RttEstimator slow;
  slow.sample(seconds(30), 1);
  EXPECT_EQ(slow.timeout(bounds(milliseconds(1000), milliseconds(100), milliseconds(10000)), 1),
            milliseconds(10000));
}

TEST(RttEstimator, BeforeAnyAnswerTheInitialTimeoutAppliesToEveryAttempt) {
  RttEstimator e;
  RttBounds b = bounds(milliseconds(250), milliseconds(50), milliseconds(300));
  EXPECT_EQ(e.timeout(b, 1), milliseconds(250));
  EXPECT_EQ(e.timeout(b, 2), milliseconds(250)) << "nothing measured: no back-off";
  EXPECT_EQ(e.timeout(b, 9), milliseconds(250));
}

TEST(RttEstimator, RetriesDoubleTheTimeoutWithinTheMaximum) {
  RttEstimator e;
  e.sample(microseconds(30), 1);
  RttBounds b = bounds(milliseconds(1000), milliseconds(100), milliseconds(1250));
  EXPECT_EQ(e.timeout(b, 1), milliseconds(100));
  EXPECT_EQ(e.timeout(b, 2), milliseconds(200));
  EXPECT_EQ(e.timeout(b, 3), milliseconds(400));
  EXPECT_EQ(e.timeout(b, 5), milliseconds(1250));
  EXPECT_EQ(e.timeout(b, 60), milliseconds(1250));
  RttEstimator dark;
  EXPECT_EQ(dark.timeout(b, 2), milliseconds(1000)) << "a host never measured waits the initial";
}

TEST(RttEstimator, BestRunRemembersTheLatestAttemptAnswered) {
  RttEstimator e;
  EXPECT_EQ(e.best_run(), 0u);
  e.sample(milliseconds(1), 1);
  EXPECT_EQ(e.best_run(), 1u);
  e.sample(milliseconds(1), 3);
  e.sample(milliseconds(1), 2);
  EXPECT_EQ(e.best_run(), 3u);
}

TEST(RttBounds, DisagreeingBoundsAreCorrected) {
  RttBounds b = bounds(milliseconds(2000), milliseconds(500), milliseconds(300)).normalised();
  EXPECT_EQ(b.max, milliseconds(2000)) << "max is raised to initial";
  EXPECT_EQ(b.min, milliseconds(500));
  RttBounds c = bounds(milliseconds(100), milliseconds(500), milliseconds(300)).normalised();
  EXPECT_EQ(c.min, milliseconds(300)) << "min is lowered to max";
}

TEST(HostRtts, EachHostHasItsOwnEstimateInBothForms) {
  for (std::uint32_t hosts : {16u, HostRtts::kDenseHosts + 1}) {
    HostRtts table(hosts);
    EXPECT_FALSE(table.get(3).sampled());
    table.sample(3, milliseconds(10), 1);
    table.sample(hosts - 1, milliseconds(30), 2);
    EXPECT_TRUE(table.get(3).sampled());
    EXPECT_FLOAT_EQ(table.get(3).srtt_us(), 10000.0f);
    EXPECT_FLOAT_EQ(table.get(hosts - 1).srtt_us(), 30000.0f);
    EXPECT_EQ(table.get(hosts - 1).best_run(), 2u);
    EXPECT_FALSE(table.get(4).sampled());
  }
  EXPECT_LE(sizeof(RttEstimator), 12u) << "a /16 scan keeps one per host";
}

}  // namespace
}  // namespace nbc::detail
