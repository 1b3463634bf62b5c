// `nbconnect wait` against a target that drops SYNs: no attempt outlives --attempt-timeout, a
// fresh socket is used for each, and the overall limit holds.
#include "cli/names_support.hpp"

namespace nbc::test {
namespace {

TEST(WaitBlackholed, AttemptTimeoutBoundsEachAttempt) {
  NBC_REQUIRE_NETNS();
  Listener target("127.0.0.1");
  ASSERT_TRUE(drop_syns("127.0.0.1", target.port()));
  auto r = nbconnect({"wait", "--json", "-t", "1200ms", "--attempt-timeout", "200ms",
                      "127.0.0.1:" + std::to_string(target.port())});
  EXPECT_EQ(r.exit_code, 124) << r.err;
  EXPECT_LT(r.elapsed, Ms(2000));
  auto records = json_lines(r.out);
  ASSERT_GE(records.size(), 3u) << r.out;
  for (const auto& j : records) {
    EXPECT_EQ(j["state"], "filtered");
    EXPECT_EQ(j["reason"], "no-response");
    // 200 ms, plus slack for a loaded machine; far from the 1.2 s overall limit.
    EXPECT_LE(j["rtt_ms"].get<double>(), 400.0) << j.dump();
  }
  EXPECT_NE(r.err.find("no-response"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nbc::test
