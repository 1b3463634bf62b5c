// Happy Eyeballs when every address refuses: the next attempt starts as soon as one fails, so
// the dial ends fast, and its outcome lists each address with what happened to it.
#include "kernel/dialer_support.hpp"

namespace nbc::test {
namespace {

TEST(DialerBothRefuse, ClosedFastWithEveryAddressListed) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(standard_records());
  ASSERT_TRUE(dns.ready());
  std::uint16_t port;
  {
    Listener probe("127.0.0.1");
    port = probe.port();
  }
  DialOptions o = options_for(dns.address());
  o.attempt_delay = std::chrono::seconds(2);
  DialResult r;
  Ms elapsed = timed([&] { r = dial(name_port("dual.test", port), o); });
  EXPECT_EQ(r.outcome.state, State::closed);
  EXPECT_EQ(r.outcome.reason, Reason::conn_refused);
  // Far under the 2 s Connection Attempt Delay: a refusal starts the next attempt at once.
  EXPECT_LT(elapsed, Ms(1000));
  ASSERT_EQ(r.tried.size(), 2u);
  EXPECT_EQ(r.tried[0].peer.to_string(), "[::1]:" + std::to_string(port));
  EXPECT_EQ(r.tried[1].peer.to_string(), "127.0.0.1:" + std::to_string(port));
  for (const Outcome& o : r.tried) EXPECT_EQ(o.reason, Reason::conn_refused);
  EXPECT_NE(r.outcome.detail.find("[::1]:" + std::to_string(port) + " closed (conn-refused)"),
            std::string::npos)
      << r.outcome.detail;
  EXPECT_NE(r.outcome.detail.find("127.0.0.1:" + std::to_string(port) + " closed (conn-refused)"),
            std::string::npos)
      << r.outcome.detail;
}

TEST(DialerBothRefuse, PrefersTheRefusalOverSilence) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(standard_records());
  ASSERT_TRUE(dns.ready());
  std::uint16_t port;
  {
    Listener probe("127.0.0.1");
    port = probe.port();
  }
  ASSERT_TRUE(blackhole_ipv6(port));
  DialOptions o = options_for(dns.address());
  o.connect.timeout = Ms(300);
  DialResult r = dial(name_port("dual.test", port), o);
  // IPv6 stayed silent (filtered), IPv4 refused: the peer's answer speaks for the dial.
  EXPECT_EQ(r.outcome.state, State::closed);
  ASSERT_EQ(r.tried.size(), 2u);
  EXPECT_EQ(r.tried[0].state, State::filtered);
  EXPECT_EQ(r.tried[0].reason, Reason::no_response);
  EXPECT_EQ(r.tried[1].state, State::closed);
}

}  // namespace
}  // namespace nbc::test
