// -4 / -6 (DialOptions::family): only that family is asked for and tried.
#include "kernel/dialer_support.hpp"

namespace nbc::test {
namespace {

TEST(DialerFamily, Ipv4OnlyTriesOnlyIpv4) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(standard_records());
  ASSERT_TRUE(dns.ready());
  Listener v4("127.0.0.1");
  Listener v6("::1", v4.port());
  DialOptions o = options_for(dns.address());
  o.family = Family::ipv4;
  DialResult r = dial(name_port("dual.test", v4.port()), o);
  ASSERT_EQ(r.outcome.state, State::open);
  EXPECT_EQ(r.outcome.peer.family(), Family::ipv4);
  ASSERT_EQ(r.addresses.size(), 1u);
}

TEST(DialerFamily, Ipv6OnlyTriesOnlyIpv6) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(standard_records());
  ASSERT_TRUE(dns.ready());
  Listener v4("127.0.0.1");  // IPv6 has no listener: -6 must not fall back to IPv4
  DialOptions o = options_for(dns.address());
  o.family = Family::ipv6;
  DialResult r = dial(name_port("dual.test", v4.port()), o);
  EXPECT_EQ(r.outcome.state, State::closed);
  EXPECT_EQ(r.outcome.peer.family(), Family::ipv6);
  ASSERT_EQ(r.tried.size(), 1u);
}

TEST(DialerFamily, ResolveOrdersIpv6FirstThenInterleaves) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  dns.set("many.test", {.a = {"127.0.0.1", "127.0.0.2", "127.0.0.3"}, .aaaa = {"::1"}});
  Resolution res = resolve(name_port("many.test", 80), options_for(dns.address()));
  ASSERT_TRUE(res.ok()) << res.failure.detail;
  std::vector<std::string> order;
  for (const Endpoint& ep : res.addresses) order.push_back(ep.to_string());
  // RFC 6724 may reorder within a family; the families alternate, IPv6 first.
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order[0], "[::1]:80");
  for (size_t i = 1; i < 4; ++i) EXPECT_EQ(res.addresses[i].family(), Family::ipv4) << order[i];
}

TEST(DialerFamily, LiteralIsDialledWithoutDns) {
  NBC_REQUIRE_NETNS();
  Listener v6("::1");
  DialOptions o = options_for("127.0.0.55");  // no server there: DNS must not be asked
  DialResult r = dial(name_port("::1", v6.port()), o);
  EXPECT_EQ(r.outcome.state, State::open);
  EXPECT_EQ(r.addresses.size(), 1u);
}

}  // namespace
}  // namespace nbc::test
