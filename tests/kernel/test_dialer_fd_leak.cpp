// No path of a dial leaks a descriptor: win, refusal, timeout, deadline, NXDOMAIN, DNS timeout,
// cancellation; c-ares sockets included.
#include "kernel/dialer_support.hpp"

namespace nbc::test {
namespace {

TEST(DialerFdLeak, EveryPathClosesWhatItOpened) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  dns.set("dual.test", {.a = {"127.0.0.1"}, .aaaa = {"::1"}});
  dns.set("mute.test", {.silent = true});
  Listener open4("127.0.0.1");
  Listener dropped("127.0.0.1");
  ASSERT_TRUE(blackhole_ipv6(dropped.port()));
  ASSERT_TRUE(blackhole_ipv4(dropped.port()));
  std::uint16_t closed;
  {
    Listener probe("127.0.0.1");
    closed = probe.port();
  }
  DialOptions o = options_for(dns.address());
  o.connect.timeout = Ms(100);
  o.dns_timeout = Ms(100);
  o.dns_tries = 1;

  int before = open_fd_count();
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(dial(name_port("dual.test", open4.port()), o).outcome.state, State::open);
    EXPECT_EQ(dial(name_port("dual.test", closed), o).outcome.state, State::closed);
    EXPECT_EQ(dial(name_port("dual.test", dropped.port()), o).outcome.state, State::filtered);
    EXPECT_EQ(dial(name_port("nosuch.test", 80), o).outcome.reason, Reason::nxdomain);
    EXPECT_EQ(dial(name_port("mute.test", 80), o).outcome.reason, Reason::dns_timeout);
    DialOptions d = o;
    d.deadline = Ms(50);
    d.connect.timeout = std::chrono::seconds(5);
    EXPECT_EQ(dial(name_port("dual.test", dropped.port()), d).outcome.phase, Phase::deadline);
    {
      // Cancelled while resolving and while connecting.
      Dialer dialer;
      int called = 0;
      auto a = dialer.dial(name_port("mute.test", 80), o, [&](DialResult) { ++called; });
      auto b =
          dialer.dial(name_port("dual.test", dropped.port()), d, [&](DialResult) { ++called; });
      dialer.run_once(Ms(20));
      dialer.cancel(a);
      dialer.cancel(b);
      EXPECT_EQ(dialer.pending(), 0u);
      EXPECT_EQ(called, 0);
    }
  }
  EXPECT_EQ(open_fd_count(), before);
}

}  // namespace
}  // namespace nbc::test
