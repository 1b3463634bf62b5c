// `ping -t DUR` with a host name: DUR bounds the resolution and each probe as a whole (a silent
// DNS server, a name with many blackholed addresses).
#include "cli/names_support.hpp"

namespace nbc::test {
namespace {

TEST(PingOverallDeadline, SilentDnsEndsAtTheTimeout) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  dns.set("silent.test", {.silent = true});
  auto r =
      nbconnect({"ping", "-c", "1", "-t", "1s", "silent.test:80", "--dns-server", dns.address()});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_NE(r.err.find("dns-timeout"), std::string::npos) << r.err;
  EXPECT_LT(r.elapsed, Ms(1800));
}

TEST(PingOverallDeadline, EachProbeOverManyBlackholedAddressesEndsAtTheTimeout) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  std::string port = stage_blackholed_name(dns, "many.test", 20);
  ASSERT_FALSE(port.empty());
  auto r = nbconnect({"ping", "--json", "-c", "2", "-i", "100ms", "-t", "500ms",
                      "many.test:" + port, "--dns-server", dns.address()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto records = json_lines(r.out);
  ASSERT_EQ(records.size(), 3u) << r.out;  // two probes and the summary
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(records[i]["state"], "filtered");
    EXPECT_LT(records[i]["rtt_ms"].get<double>(), 900.0) << records[i];
  }
  // 20 addresses 250 ms apart would make each probe last 5.5 s.
  EXPECT_LT(r.elapsed, Ms(2500));
}

}  // namespace
}  // namespace nbc::test
