// An empty option value is bad input, not a request for the default: exit 64 naming the option,
// at once (ping -c '' used to ping forever).
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

TEST(EmptyOptionValues, AreBadInput) {
  struct Case {
    std::vector<std::string> args;
    std::string option;
  };
  const std::vector<Case> cases = {
      {{"scan", "127.0.0.1", "-p", "80", "-t", ""}, "--timeout"},
      {{"scan", "127.0.0.1", "-p", "80", "-c", ""}, "--concurrency"},
      {{"scan", "127.0.0.1", "-p", "80", "--rate", ""}, "--rate"},
      {{"scan", "127.0.0.1", "-p", "80", "--threads", ""}, "--threads"},
      {{"scan", "127.0.0.1", "-p", "80", "--seed", ""}, "--seed"},
      {{"scan", "127.0.0.1", "-p", "80", "--shard", ""}, "--shard"},
      {{"scan", "127.0.0.1", "-p", "80", "--source", ""}, "--source"},
      {{"scan", "127.0.0.1", "-p", "80", "--per-host", ""}, "--per-host"},
      {{"scan", "127.0.0.1", "-p", "80", "--retries", ""}, "--retries"},
      {{"scan", "127.0.0.1", "-p", ""}, "--ports"},
      {{"check", "-t", "", "127.0.0.1", "80"}, "--timeout"},
      {{"check", "--source", "", "127.0.0.1", "80"}, "--source"},
      {{"ping", "-c", "", "127.0.0.1:80"}, "--count"},
      {{"ping", "-i", "", "-c", "1", "127.0.0.1:80"}, "--interval"},
      {{"wait", "--attempt-timeout", "", "127.0.0.1:80"}, "--attempt-timeout"},
      {{"wait", "-t", "", "127.0.0.1:80"}, "--timeout"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::PrintToString(c.args));
    RunResult r = nbconnect(c.args, std::chrono::seconds(10));
    ASSERT_FALSE(r.timed_out);
    expect_usage_error(r, c.option);
    EXPECT_NE(r.err.find("empty"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace nbc::test
