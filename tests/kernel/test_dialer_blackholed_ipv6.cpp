// Happy Eyeballs: IPv6 drops SYNs, IPv4 listens. The IPv4 attempt starts one Connection Attempt
// Delay after the IPv6 one, without waiting for the IPv6 timeout, and wins.
#include "kernel/dialer_support.hpp"

namespace nbc::test {
namespace {

TEST(DialerBlackholedIpv6, ConnectsOverIpv4AfterTheAttemptDelay) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(standard_records());
  ASSERT_TRUE(dns.ready());
  Listener v4("127.0.0.1");
  ASSERT_TRUE(v4.ok());
  ASSERT_TRUE(blackhole_ipv6(v4.port()));

  DialOptions o = options_for(dns.address());
  o.connect.timeout = std::chrono::seconds(5);
  DialResult r;
  Ms elapsed = timed([&] { r = dial(name_port("dual.test", v4.port()), o); });

  ASSERT_EQ(r.outcome.state, State::open) << r.outcome.detail;
  EXPECT_EQ(r.outcome.peer.family(), Family::ipv4);
  // IPv6 was tried first, and IPv4 was not held back by its 5 s timeout.
  ASSERT_EQ(r.addresses.size(), 2u);
  EXPECT_EQ(r.addresses[0].family(), Family::ipv6);
  EXPECT_GE(elapsed, Ms(240));
  EXPECT_LT(elapsed, Ms(750)) << "Happy Eyeballs took " << elapsed.count() << " ms";
  // The IPv6 attempt that was still connecting is closed, not listed as a result.
  ASSERT_EQ(r.tried.size(), 1u);
  EXPECT_EQ(r.tried[0].peer.family(), Family::ipv4);
}

TEST(DialerBlackholedIpv6, AttemptDelayIsConfigurable) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(standard_records());
  ASSERT_TRUE(dns.ready());
  Listener v4("127.0.0.1");
  ASSERT_TRUE(blackhole_ipv6(v4.port()));

  DialOptions o = options_for(dns.address());
  o.attempt_delay = Ms(600);
  DialResult r;
  Ms elapsed = timed([&] { r = dial(name_port("dual.test", v4.port()), o); });
  ASSERT_EQ(r.outcome.state, State::open);
  EXPECT_GE(elapsed, Ms(590));
  EXPECT_LT(elapsed, Ms(1200));
}

TEST(DialerBlackholedIpv6, KeepsTheWinningSocketOpen) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(standard_records());
  ASSERT_TRUE(dns.ready());
  Listener v4("127.0.0.1");
  ASSERT_TRUE(blackhole_ipv6(v4.port()));
  DialOptions o = options_for(dns.address());
  o.connect.keep_socket = true;
  DialResult r = dial(name_port("dual.test", v4.port()), o);
  ASSERT_EQ(r.outcome.state, State::open);
  ASSERT_TRUE(r.outcome.socket);
  int accepted = ::accept(v4.fd(), nullptr, nullptr);
  ASSERT_GE(accepted, 0);
  ASSERT_EQ(::send(r.outcome.socket.get(), "x", 1, MSG_NOSIGNAL), 1);
  char c = 0;
  EXPECT_EQ(::recv(accepted, &c, 1, 0), 1);
  ::close(accepted);
}

}  // namespace
}  // namespace nbc::test
