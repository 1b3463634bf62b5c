// `nbconnect ping -c N`: N probe lines, then a summary whose statistics follow from the
// recorded probe times.
#include <algorithm>
#include <cmath>

#include "cli/names_support.hpp"

namespace nbc::test {
namespace {

TEST(PingCount, JsonStatisticsMatchTheRecordedProbes) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  auto r = nbconnect(
      {"ping", "-c", "5", "-i", "100ms", "--json", "127.0.0.1:" + std::to_string(listener.port())});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto records = json_lines(r.out);
  ASSERT_EQ(records.size(), 6u) << r.out;
  std::vector<double> rtts;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(records[i]["type"], "probe");
    EXPECT_EQ(records[i]["seq"], i + 1);
    EXPECT_EQ(records[i]["state"], "open");
    EXPECT_EQ(records[i]["address"], "127.0.0.1");
    rtts.push_back(records[i]["rtt_ms"].get<double>());
  }
  const auto& s = records[5];
  EXPECT_EQ(s["type"], "summary");
  EXPECT_EQ(s["sent"], 5);
  EXPECT_EQ(s["connected"], 5);
  EXPECT_EQ(s["failed"], 0);
  EXPECT_EQ(s["loss_pct"], 0.0);
  std::sort(rtts.begin(), rtts.end());
  double sum = 0, sq = 0;
  for (double x : rtts) sum += x, sq += x * x;
  double avg = sum / 5, mdev = std::sqrt(sq / 5 - avg * avg);
  EXPECT_NEAR(s["rtt_min_ms"].get<double>(), rtts.front(), 1e-9);
  EXPECT_NEAR(s["rtt_max_ms"].get<double>(), rtts.back(), 1e-9);
  EXPECT_NEAR(s["rtt_avg_ms"].get<double>(), avg, 0.0006);
  EXPECT_NEAR(s["rtt_mdev_ms"].get<double>(), mdev, 0.0006);
  // Nearest rank over 5 values: p50 is the 3rd, p90 and p99 the 5th.
  EXPECT_NEAR(s["rtt_p50_ms"].get<double>(), rtts[2], 1e-9);
  EXPECT_NEAR(s["rtt_p90_ms"].get<double>(), rtts[4], 1e-9);
  EXPECT_NEAR(s["rtt_p99_ms"].get<double>(), rtts[4], 1e-9);
  // Four intervals between five probes.
  EXPECT_GE(r.elapsed, Ms(400));
  EXPECT_LT(r.elapsed, Ms(1500));
}

TEST(PingCount, TextLinesAndSummary) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  std::string target = "127.0.0.1:" + std::to_string(listener.port());
  auto r = nbconnect({"ping", "-c", "3", "-i", "50ms", target});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_of(r.out, "seq="), 3u) << r.out;
  for (int seq = 1; seq <= 3; ++seq) {
    EXPECT_NE(r.out.find("seq=" + std::to_string(seq) + " " + target + " open (syn-ack) time="),
              std::string::npos)
        << r.out;
  }
  EXPECT_NE(r.out.find("--- " + target + " ping statistics ---"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 probes sent, 3 connected, 0 failed, 0.0% loss"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("rtt min/avg/max/mdev = "), std::string::npos);
  EXPECT_NE(r.out.find("rtt p50/p90/p99 = "), std::string::npos);
}

TEST(PingCount, BadCountIsAUsageError) {
  expect_usage_error(nbconnect({"ping", "-c", "0", "127.0.0.1:80"}), "0");
  expect_usage_error(nbconnect({"ping", "-c", "lots", "127.0.0.1:80"}), "lots");
  expect_usage_error(nbconnect({"ping", "-i", "never", "127.0.0.1:80"}), "never");
  expect_usage_error(nbconnect({"ping", "127.0.0.1"}), "127.0.0.1");
}

TEST(PingCount, NameIsResolvedOnceAndRaced) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(dual_stack_records());
  ASSERT_TRUE(dns.ready());
  Listener v4("127.0.0.1");
  ASSERT_TRUE(drop_syns("::1", v4.port()));
  auto r = nbconnect({"ping", "-c", "2", "-i", "10ms", "--json", "--dns-server", "127.0.0.53",
                      "dual.test:" + std::to_string(v4.port())});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto records = json_lines(r.out);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["address"], "127.0.0.1");
  EXPECT_EQ(records[0]["state"], "open");
  EXPECT_LT(r.elapsed, Ms(1500));
}

}  // namespace
}  // namespace nbc::test
