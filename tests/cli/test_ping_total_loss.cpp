// `nbconnect ping` where no probe connects: the summary still holds (100% loss, no rtt
// figures) and the exit code is 1.
#include "cli/names_support.hpp"

namespace nbc::test {
namespace {

TEST(PingTotalLoss, TextSummaryAtHundredPercentLoss) {
  NBC_REQUIRE_NETNS();
  std::string target = "127.0.0.1:" + std::to_string(closed_port());
  auto r = nbconnect({"ping", "-c", "3", "-i", "20ms", target});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_of(r.out, " closed (conn-refused"), 3u) << r.out;
  EXPECT_NE(r.out.find("3 probes sent, 0 connected, 3 failed, 100.0% loss"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("nan"), std::string::npos) << r.out;
}

TEST(PingTotalLoss, JsonSummaryHasNullRtts) {
  NBC_REQUIRE_NETNS();
  std::string target = "127.0.0.1:" + std::to_string(closed_port());
  auto r = nbconnect({"ping", "-c", "2", "-i", "20ms", "--json", target});
  EXPECT_EQ(r.exit_code, 1);
  auto records = json_lines(r.out);
  ASSERT_EQ(records.size(), 3u);
  const auto& s = records[2];
  EXPECT_EQ(s["type"], "summary");
  EXPECT_EQ(s["sent"], 2);
  EXPECT_EQ(s["connected"], 0);
  EXPECT_EQ(s["failed"], 2);
  EXPECT_EQ(s["loss_pct"], 100.0);
  for (const char* key : {"rtt_min_ms", "rtt_avg_ms", "rtt_max_ms", "rtt_mdev_ms", "rtt_p50_ms",
                          "rtt_p90_ms", "rtt_p99_ms"}) {
    EXPECT_TRUE(s[key].is_null()) << key;
  }
}

TEST(PingTotalLoss, TimeoutPerProbe) {
  NBC_REQUIRE_NETNS();
  Listener target("127.0.0.1");
  ASSERT_TRUE(drop_syns("127.0.0.1", target.port()));
  auto r = nbconnect({"ping", "-c", "2", "-i", "10ms", "-t", "150ms", "--json",
                      "127.0.0.1:" + std::to_string(target.port())});
  EXPECT_EQ(r.exit_code, 1);
  auto records = json_lines(r.out);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["state"], "filtered");
  EXPECT_LT(r.elapsed, Ms(1000));
}

}  // namespace
}  // namespace nbc::test
