// Configured durations (timeouts, deadlines) are printed as people write them ("1s", "250ms",
// "1.5s"), the way they are given on the command line; measured times stay in ms.
#include "cli/cli.hpp"

namespace nbc::test {
namespace {

TEST(DurationsShown, PingHeaderShowsTheTimeoutAsWritten) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  std::string target = "127.0.0.1:" + std::to_string(listener.port());
  auto plain = nbconnect({"ping", "-c", "1", target});
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.out.find("TCP connect, timeout 1s\n"), std::string::npos) << plain.out;
  auto given = nbconnect({"ping", "-c", "1", "-t", "0.25", target});
  EXPECT_NE(given.out.find("TCP connect, timeout 250ms\n"), std::string::npos) << given.out;
  // The probe's round trip is a measurement: still in ms with three decimals.
  EXPECT_NE(given.out.find(" ms\n"), std::string::npos) << given.out;
}

TEST(DurationsShown, CheckTraceShowsTheTimeoutAsWritten) {
  NBC_REQUIRE_NETNS();
  auto r = nbconnect({"check", "-v", "-t", "1500ms", "127.0.0.1", std::to_string(closed_port())});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("backend epoll, method so-error, timeout 1.5s\n"), std::string::npos)
      << r.err;
}

TEST(DurationsShown, WaitTimeoutMessageShowsTheDeadlineAsWritten) {
  NBC_REQUIRE_NETNS();
  std::string target = "127.0.0.1:" + std::to_string(closed_port());
  auto r = nbconnect({"wait", "-t", "0.3s", target});
  EXPECT_EQ(r.exit_code, 124) << r.err;
  EXPECT_NE(r.err.find("nbconnect: timed out after 300ms: " + target + " is down"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace nbc::test
