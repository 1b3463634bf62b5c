// The per-attempt timeout and the overall deadline both hold.
#include "kernel/dialer_support.hpp"

namespace nbc::test {
namespace {

TEST(DialerDeadline, PerAttemptTimeoutEndsEachAttempt) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(standard_records());
  ASSERT_TRUE(dns.ready());
  Listener probe("127.0.0.1");
  ASSERT_TRUE(blackhole_ipv6(probe.port()));
  ASSERT_TRUE(blackhole_ipv4(probe.port()));
  DialOptions o = options_for(dns.address());
  o.connect.timeout = Ms(300);
  DialResult r;
  Ms elapsed = timed([&] { r = dial(name_port("dual.test", probe.port()), o); });
  EXPECT_EQ(r.outcome.state, State::filtered);
  EXPECT_EQ(r.outcome.reason, Reason::no_response);
  ASSERT_EQ(r.tried.size(), 2u);
  // IPv4 started 250 ms after IPv6 and timed out 300 ms later.
  EXPECT_GE(elapsed, Ms(540));
  EXPECT_LT(elapsed, Ms(1500));
}

TEST(DialerDeadline, OverallDeadlineStopsRunningAttempts) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(standard_records());
  ASSERT_TRUE(dns.ready());
  Listener probe("127.0.0.1");
  ASSERT_TRUE(blackhole_ipv6(probe.port()));
  ASSERT_TRUE(blackhole_ipv4(probe.port()));
  DialOptions o = options_for(dns.address());
  o.connect.timeout = std::chrono::seconds(10);
  o.deadline = Ms(400);
  DialResult r;
  Ms elapsed = timed([&] { r = dial(name_port("dual.test", probe.port()), o); });
  EXPECT_EQ(r.outcome.state, State::filtered);
  EXPECT_EQ(r.outcome.phase, Phase::deadline);
  EXPECT_GE(elapsed, Ms(390));
  EXPECT_LT(elapsed, Ms(1200));
  EXPECT_EQ(r.tried.size(), 2u);
}

TEST(DialerDeadline, UntriedAddressesAreNamedWhenTheDeadlineComes) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  dns.set("three.test", {.a = {"127.0.0.1", "127.0.0.2", "127.0.0.3"}});
  Listener probe("127.0.0.1");
  ASSERT_EQ(sh("iptables -A INPUT -p tcp --dport " + std::to_string(probe.port()) + " -j DROP"), 0);
  DialOptions o = options_for(dns.address());
  o.attempt_delay = Ms(300);
  o.deadline = Ms(450);  // room for two attempts 300 ms apart, not three
  DialResult r = dial(name_port("three.test", probe.port()), o);
  EXPECT_EQ(r.outcome.state, State::filtered);
  EXPECT_EQ(r.tried.size(), 2u);
  EXPECT_NE(r.outcome.detail.find("not tried"), std::string::npos) << r.outcome.detail;
}

}  // namespace
}  // namespace nbc::test
