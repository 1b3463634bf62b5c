// A --source that cannot be bound (not an address of this machine) or of the wrong family for the
// target is bad input, found once and up front: exit 64 at once, not a retried local error.
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

TEST(SourceBadInput, NotALocalAddress) {
  NBC_REQUIRE_NETNS();
  std::string port = std::to_string(closed_port());
  RunResult s = scan({"127.0.0.1", "-p", port, "--source", "192.0.2.1", "--no-progress"},
                     std::chrono::seconds(10));
  expect_usage_error(s, "192.0.2.1");
  EXPECT_LT(s.elapsed.count(), 2000);
  RunResult c = nbconnect({"--source", "192.0.2.1", "127.0.0.1", port}, std::chrono::seconds(10));
  expect_usage_error(c, "192.0.2.1");
  RunResult w = nbconnect({"wait", "-t", "2s", "--source", "192.0.2.1:4000", "127.0.0.1:" + port},
                          std::chrono::seconds(10));
  expect_usage_error(w, "192.0.2.1");
}

TEST(SourceBadInput, WrongFamilyForTheTarget) {
  NBC_REQUIRE_NETNS();
  std::string port = std::to_string(closed_port());
  RunResult s =
      scan({"127.0.0.1", "-p", port, "--source", "::1", "--no-progress"}, std::chrono::seconds(10));
  expect_usage_error(s, "::1");
  RunResult c = nbconnect({"--source", "::1", "127.0.0.1", port}, std::chrono::seconds(10));
  expect_usage_error(c, "::1");
  RunResult p = nbconnect({"ping", "-c", "1", "--source", "127.0.0.1", "[::1]:" + port},
                          std::chrono::seconds(10));
  expect_usage_error(p, "127.0.0.1");
}

}  // namespace
}  // namespace nbc::test
