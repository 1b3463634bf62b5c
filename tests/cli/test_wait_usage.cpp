// `nbconnect wait` with bad input: exit 64 and one stderr line naming the bad word.
#include "cli/names_support.hpp"

namespace nbc::test {
namespace {

TEST(WaitUsage, BadWordsAreNamed) {
  expect_usage_error(nbconnect({"wait"}), "target");
  expect_usage_error(nbconnect({"wait", "127.0.0.1"}), "127.0.0.1");
  expect_usage_error(nbconnect({"wait", "127.0.0.1:70000"}), "70000");
  expect_usage_error(nbconnect({"wait", "-t", "soon", "127.0.0.1:80"}), "soon");
  expect_usage_error(nbconnect({"wait", "--attempt-timeout", "0", "127.0.0.1:80"}), "0");
  expect_usage_error(nbconnect({"wait", "127.0.0.1:80", "--bogus"}), "--bogus");
}

TEST(WaitUsage, WordsAfterDoubleDashAreTheCommand) {
  NBC_REQUIRE_NETNS();
  Listener a("127.0.0.1");
  // "-t" after -- belongs to the command, not to wait.
  auto r = nbconnect({"wait", "-q", "127.0.0.1:" + std::to_string(a.port()), "--", "sh", "-c",
                      "echo \"$0 $1\"", "-t", "x"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "-t x\n");
}

}  // namespace
}  // namespace nbc::test
