// Names that do not resolve are told apart: nxdomain, no-address (the name exists, not with an
// address of the wanted family), dns-timeout and dns-error; all have state unresolved, exit 5.
#include "kernel/dialer_support.hpp"

namespace nbc::test {
namespace {

TEST(DialerUnresolved, NxdomainFromARealServer) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(standard_records());
  ASSERT_TRUE(dns.ready());
  DialResult r = dial(name_port("nosuch.test", 80), options_for(dns.address()));
  EXPECT_EQ(r.outcome.state, State::unresolved);
  EXPECT_EQ(r.outcome.reason, Reason::nxdomain);
  EXPECT_EQ(r.outcome.phase, Phase::resolve);
  EXPECT_EQ(r.outcome.reason_name(), "nxdomain");
  EXPECT_TRUE(r.tried.empty());
}

TEST(DialerUnresolved, NoAddressOfTheWantedFamily) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(standard_records());
  ASSERT_TRUE(dns.ready());
  DialOptions o = options_for(dns.address());
  o.family = Family::ipv4;
  DialResult r = dial(name_port("v6only.test", 80), o);
  EXPECT_EQ(r.outcome.state, State::unresolved);
  EXPECT_EQ(r.outcome.reason, Reason::no_address);
  o.family = Family::ipv6;
  r = dial(name_port("v4only.test", 80), o);
  EXPECT_EQ(r.outcome.reason, Reason::no_address);
}

TEST(DialerUnresolved, DnsTimeoutWhenTheServerNeverAnswers) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  dns.set("mute.test", {.silent = true});
  DialOptions o = options_for(dns.address());
  o.dns_timeout = Ms(200);
  o.dns_tries = 1;
  DialResult r;
  Ms elapsed = timed([&] { r = dial(name_port("mute.test", 80), o); });
  EXPECT_EQ(r.outcome.reason, Reason::dns_timeout);
  EXPECT_LT(elapsed, Ms(1500));
}

TEST(DialerUnresolved, OverallDeadlineCutsResolutionShort) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  dns.set("mute.test", {.silent = true});
  DialOptions o = options_for(dns.address());
  o.dns_timeout = std::chrono::seconds(10);
  o.deadline = Ms(300);
  DialResult r;
  Ms elapsed = timed([&] { r = dial(name_port("mute.test", 80), o); });
  EXPECT_EQ(r.outcome.state, State::unresolved);
  EXPECT_EQ(r.outcome.reason, Reason::dns_timeout);
  EXPECT_GE(elapsed, Ms(290));
  EXPECT_LT(elapsed, Ms(800));
}

TEST(DialerUnresolved, DnsErrorWhenNoServerListens) {
  NBC_REQUIRE_NETNS();
  // Nothing listens on 127.0.0.55:53: the query is refused by the kernel (ICMP port unreachable).
  DialResult r = dial(name_port("dual.test", 80), options_for("127.0.0.55"));
  EXPECT_EQ(r.outcome.state, State::unresolved);
  EXPECT_EQ(r.outcome.reason, Reason::dns_error);
}

}  // namespace
}  // namespace nbc::test
