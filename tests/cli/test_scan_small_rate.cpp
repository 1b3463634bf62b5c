// A small --rate never waits after the last probe, and the rate is bounded to its documented range
// (0.01-1000000000 per second), the message naming the limits.
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

TEST(ScanSmallRate, NoWaitAfterTheLastProbe) {
  NBC_REQUIRE_NETNS();
  std::string port = std::to_string(closed_port());
  // One probe at 0.05 per second: before, the scan slept 20 s after it.
  RunResult r =
      scan({"127.0.0.1", "-p", port, "--rate", "0.05", "--no-progress"}, std::chrono::seconds(15));
  ASSERT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(r.elapsed.count(), 5000) << r.out;
  EXPECT_NE(r.out.find("1 port on 1 host"), std::string::npos) << r.out;
}

TEST(ScanSmallRate, RateOutsideItsRangeIsBadInput) {
  for (const char* rate : {"1e-300", "0.001", "0", "1000000001"}) {
    SCOPED_TRACE(rate);
    RunResult r = scan({"127.0.0.1", "-p", "80", "--rate", rate}, std::chrono::seconds(10));
    expect_usage_error(r, rate);
    EXPECT_NE(r.err.find("0.01"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("1000000000"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace nbc::test
