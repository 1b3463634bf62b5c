// `nbconnect wait [V6]:PORT`: bracketed IPv6 targets, and -4/-6 checked against them.
#include "cli/names_support.hpp"

namespace nbc::test {
namespace {

TEST(WaitIpv6Brackets, BracketedTargetIsWaitedFor) {
  NBC_REQUIRE_NETNS();
  Listener v6("::1");
  ASSERT_TRUE(v6.ok());
  auto r = nbconnect(
      {"wait", "-t", "5s", "[::1]:" + std::to_string(v6.port()), "--", "sh", "-c", "exit 3"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
}

TEST(WaitIpv6Brackets, TimeoutNamesTheBracketedTarget) {
  NBC_REQUIRE_NETNS();
  std::string target = "[::1]:" + std::to_string(closed_port());
  auto r = nbconnect({"wait", "-t", "300ms", target});
  EXPECT_EQ(r.exit_code, 124);
  EXPECT_NE(r.err.find(target), std::string::npos) << r.err;
}

TEST(WaitIpv6Brackets, WrongFamilyIsAUsageError) {
  auto r = nbconnect({"wait", "-4", "[::1]:80"});
  expect_usage_error(r, "::1");
}

}  // namespace
}  // namespace nbc::test
