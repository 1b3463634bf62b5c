// `nbconnect wait` gives up at -t: exit 124 within the limit, the last outcome of each target
// still down on stderr, and COMMAND not run.
#include "cli/names_support.hpp"

namespace nbc::test {
namespace {

TEST(WaitTimeout, Exits124WithinTheLimit) {
  NBC_REQUIRE_NETNS();
  std::string port = std::to_string(closed_port());
  auto r = nbconnect({"wait", "-t", "1s", "127.0.0.1:" + port, "--", "sh", "-c", "echo ran"});
  EXPECT_EQ(r.exit_code, 124);
  EXPECT_EQ(r.out.find("ran"), std::string::npos);
  EXPECT_GE(r.elapsed, Ms(1000));
  EXPECT_LT(r.elapsed, Ms(1800));
  EXPECT_NE(r.err.find("127.0.0.1:" + port), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("conn-refused"), std::string::npos) << r.err;
}

TEST(WaitTimeout, ReportsOnlyTheTargetsStillDown) {
  NBC_REQUIRE_NETNS();
  Listener up("127.0.0.1");
  std::string down = "127.0.0.1:" + std::to_string(closed_port());
  std::string good = "127.0.0.1:" + std::to_string(up.port());
  auto r = nbconnect({"wait", "-t", "500ms", good, down});
  EXPECT_EQ(r.exit_code, 124);
  EXPECT_EQ(count_of(r.err, "is down"), 1u) << r.err;
  EXPECT_NE(r.err.find(down + " is down"), std::string::npos) << r.err;
}

TEST(WaitTimeout, RetriesWithBackOff) {
  NBC_REQUIRE_NETNS();
  std::string port = std::to_string(closed_port());
  auto r = nbconnect({"wait", "-t", "1s", "--json", "127.0.0.1:" + port});
  EXPECT_EQ(r.exit_code, 124);
  auto records = json_lines(r.out);
  // 50 ms doubling to 1 s, with jitter between half and all of it: over one second that is
  // several tries, yet far fewer than a busy loop would make.
  EXPECT_GE(records.size(), 4u);
  EXPECT_LE(records.size(), 12u);
  for (const auto& j : records) {
    EXPECT_EQ(j["state"], "closed");
    EXPECT_EQ(j["target"], "127.0.0.1");
  }
}

TEST(WaitTimeout, QuietPrintsNothing) {
  NBC_REQUIRE_NETNS();
  auto r = nbconnect({"wait", "-q", "-t", "200ms", "127.0.0.1:" + std::to_string(closed_port())});
  EXPECT_EQ(r.exit_code, 124);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

}  // namespace
}  // namespace nbc::test
