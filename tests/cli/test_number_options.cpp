// Every numeric option goes through one strict decimal parser: no hex, signs, exponents or a
// trailing '.', ".5" as in durations; the message names the option, the word and the limits.
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

TEST(NumberOptions, StrictDecimalWithTheLimitsNamed) {
  struct Case {
    std::vector<std::string> args;
    std::string word;
    std::string limit;
  };
  const std::vector<Case> cases = {
      {{"scan", "127.0.0.1", "-p", "80", "--rate", "0x10"}, "0x10", "1000000000"},
      {{"scan", "127.0.0.1", "-p", "80", "--rate", "5."}, "5.", "1000000000"},
      {{"scan", "127.0.0.1", "-p", "80", "--rate", "1e10"}, "1e10", "1000000000"},
      {{"scan", "127.0.0.1", "-p", "80", "--rate", "1e3"}, "1e3", "1000000000"},
      {{"scan", "127.0.0.1", "-p", "80", "--rate", "+5"}, "+5", "1000000000"},
      {{"scan", "127.0.0.1", "-p", "80", "--rate", "inf"}, "inf", "1000000000"},
      {{"scan", "127.0.0.1", "-p", "80", "--rate", "2000000000"}, "2000000000", "1000000000"},
      {{"scan", "127.0.0.1", "-p", "80", "-c", "0x10"}, "0x10", "10000000"},
      {{"scan", "127.0.0.1", "-p", "80", "-c", "20000000"}, "20000000", "10000000"},
      {{"scan", "127.0.0.1", "-p", "80", "--per-host", "1.5"}, "1.5", "10000000"},
      {{"scan", "127.0.0.1", "-p", "80", "--retries", "+1"}, "+1", "100"},
      {{"scan", "127.0.0.1", "-p", "80", "--threads", "2000"}, "2000", "1024"},
      {{"scan", "127.0.0.1", "-p", "80", "--seed", "-1"}, "-1", "18446744073709551615"},
      {{"scan", "127.0.0.1", "-p", "80", "--shard", "1/0x2"}, "1/0x2", "1048576"},
      {{"ping", "-c", "0x3", "127.0.0.1:80"}, "0x3", "1000000000"},
      {{"ping", "-c", "1e2", "127.0.0.1:80"}, "1e2", "1000000000"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::PrintToString(c.args));
    RunResult r = nbconnect(c.args, std::chrono::seconds(10));
    ASSERT_FALSE(r.timed_out);
    expect_usage_error(r, c.word);
    EXPECT_NE(r.err.find(c.limit), std::string::npos) << r.err;
  }
}

TEST(NumberOptions, FractionWithoutLeadingDigitIsAccepted) {
  NBC_REQUIRE_NETNS();
  std::string port = std::to_string(closed_port());
  RunResult r =
      scan({"127.0.0.1", "-p", port, "--rate", ".5", "--no-progress"}, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 port on 1 host"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace nbc::test
