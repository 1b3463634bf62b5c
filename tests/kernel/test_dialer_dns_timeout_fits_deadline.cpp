// With a deadline, c-ares' own waits are cut to fit in it: a silent first DNS server cannot use
// up the whole deadline, and the second server still answers in time.
#include "kernel/dialer_support.hpp"

namespace nbc::test {
namespace {

TEST(DialerDnsTimeoutFitsDeadline, SecondServerAnswersBeforeTheDeadline) {
  NBC_REQUIRE_NETNS();
  FakeDns silent;
  ASSERT_TRUE(silent.ok());
  silent.set("dual.test", {.silent = true});
  Dnsmasq dns(standard_records());
  ASSERT_TRUE(dns.ready());
  Listener v4("127.0.0.1");
  DialOptions o = options_for(dns.address());
  o.dns_servers = {silent.address() + ":53", dns.address() + ":53"};
  o.family = Family::ipv4;
  o.deadline = Ms(1500);  // c-ares' default first wait (2 s) is longer
  DialResult r;
  Ms elapsed = timed([&] { r = dial(name_port("dual.test", v4.port()), o); });
  EXPECT_EQ(r.outcome.state, State::open) << r.outcome.detail;
  EXPECT_GE(silent.queries("dual.test"), 1);
  EXPECT_LT(elapsed, Ms(1000));
}

TEST(DialerDnsTimeoutFitsDeadline, SilentServersEndAtTheDeadline) {
  NBC_REQUIRE_NETNS();
  FakeDns silent;
  ASSERT_TRUE(silent.ok());
  silent.set("quiet.test", {.silent = true});
  DialOptions o = options_for(silent.address());
  o.deadline = Ms(600);
  DialResult r;
  Ms elapsed = timed([&] { r = dial(name_port("quiet.test", 80), o); });
  EXPECT_EQ(r.outcome.state, State::unresolved);
  EXPECT_EQ(r.outcome.reason, Reason::dns_timeout);
  EXPECT_GE(elapsed, Ms(590));
  EXPECT_LT(elapsed, Ms(1100));
  // Every try of the server fitted: the first wait was cut to 600 / (2^2 - 1) = 200 ms.
  EXPECT_GE(silent.queries("quiet.test"), 2 * 2);
}

}  // namespace
}  // namespace nbc::test
