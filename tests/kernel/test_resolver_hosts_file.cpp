// Names from /etc/hosts (a private one, in a mount namespace of this test) and the servers of
// /etc/resolv.conf, as a program without --dns-server sees them.
#include "kernel/dialer_support.hpp"

namespace nbc::test {
namespace {

TEST(ResolverHostsFile, NameFromTheHostsFile) {
  NBC_REQUIRE_NETNS();
  std::string error = private_etc("127.0.0.1 hostsonly.test\n::1 hostsonly.test\n",
                                  "nameserver 127.0.0.55\noptions timeout:1 attempts:1\n");
  if (!error.empty()) GTEST_SKIP() << error;
  Listener v4("127.0.0.1");
  Listener v6("::1", v4.port());
  DialOptions o;  // no servers given: /etc/resolv.conf and /etc/hosts
  Resolution res = resolve(name_port("hostsonly.test", v4.port()), o);
  ASSERT_TRUE(res.ok()) << res.failure.detail;
  ASSERT_EQ(res.addresses.size(), 2u);
  EXPECT_EQ(res.addresses[0].to_string(), "[::1]:" + std::to_string(v4.port()));
  EXPECT_EQ(res.addresses[1].to_string(), "127.0.0.1:" + std::to_string(v4.port()));
  DialResult r = dial(name_port("hostsonly.test", v4.port()), o);
  EXPECT_EQ(r.outcome.state, State::open);
  EXPECT_EQ(r.outcome.peer.family(), Family::ipv6);
}

TEST(ResolverHostsFile, ServersFromResolvConf) {
  NBC_REQUIRE_NETNS();
  std::string error = private_etc("127.0.0.1 localhost\n", "nameserver 127.0.0.53\n");
  if (!error.empty()) GTEST_SKIP() << error;
  Dnsmasq dns(standard_records());
  ASSERT_TRUE(dns.ready());
  Resolution res = resolve(name_port("v6only.test", 443), DialOptions{});
  ASSERT_TRUE(res.ok()) << res.failure.detail;
  ASSERT_EQ(res.addresses.size(), 1u);
  EXPECT_EQ(res.addresses[0].to_string(), "[::1]:443");
  Resolution missing = resolve(name_port("nosuch.test", 443), DialOptions{});
  EXPECT_EQ(missing.failure.reason, Reason::nxdomain);
}

}  // namespace
}  // namespace nbc::test
