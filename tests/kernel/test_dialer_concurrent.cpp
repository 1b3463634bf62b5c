// One Dialer runs many dials at once over one poller: a slow dial does not hold up a fast one,
// and callbacks may start new dials.
#include "kernel/dialer_support.hpp"

namespace nbc::test {
namespace {

TEST(DialerConcurrent, FastDialsFinishWhileASlowOneWaits) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(standard_records());
  ASSERT_TRUE(dns.ready());
  Listener open4("127.0.0.1");
  Listener dropped("127.0.0.1");
  ASSERT_TRUE(blackhole_ipv4(dropped.port()));
  DialOptions o = options_for(dns.address());
  o.connect.timeout = Ms(1500);

  Dialer dialer;
  auto start = std::chrono::steady_clock::now();
  Ms slow_done{0};
  std::vector<Ms> fast_done;
  DialOptions v4 = o;
  v4.family = Family::ipv4;
  dialer.dial(name_port("v4only.test", dropped.port()), v4, [&](DialResult r) {
    EXPECT_EQ(r.outcome.state, State::filtered);
    slow_done = std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - start);
  });
  std::function<void(DialResult)> chain = [&](DialResult r) {
    EXPECT_EQ(r.outcome.state, State::open) << r.outcome.detail;
    fast_done.push_back(std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - start));
    if (fast_done.size() < 5) dialer.dial(name_port("v4only.test", open4.port()), v4, chain);
  };
  dialer.dial(name_port("v4only.test", open4.port()), v4, chain);
  dialer.run();
  ASSERT_EQ(fast_done.size(), 5u);
  EXPECT_LT(fast_done.back(), Ms(1000));
  EXPECT_GE(slow_done, Ms(1490));
}

}  // namespace
}  // namespace nbc::test
