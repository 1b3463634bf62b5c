// A name that does not resolve is reported under the target it was given: the text line names
// HOST:PORT (not "-"), and the JSON record keeps the port ("port":80, not null), in check, wait,
// ping and scan.
#include "cli/names_support.hpp"

namespace nbc::test {
namespace {

void expect_port_80(const std::string& out) {
  auto records = json_lines(out);
  ASSERT_FALSE(records.empty()) << out;
  for (const auto& r : records) {
    EXPECT_EQ(r["target"], "nosuch.test") << out;
    EXPECT_EQ(r["state"], "unresolved") << out;
    EXPECT_EQ(r["port"], 80) << out;
    EXPECT_TRUE(r["address"].is_null()) << out;
  }
}

TEST(UnresolvedNamesTarget, CheckTextNamesTheTargetAndJsonKeepsThePort) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  auto r = nbconnect({"nosuch.test", "80", "--dns-server", dns.address()});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_EQ(r.out.rfind("nosuch.test:80 unresolved (nxdomain", 0), 0u) << r.out;
  auto j = nbconnect({"--json", "nosuch.test:80", "--dns-server", dns.address()});
  EXPECT_EQ(j.exit_code, 5) << j.err;
  expect_port_80(j.out);
}

TEST(UnresolvedNamesTarget, WaitTextNamesTheTargetAndJsonKeepsThePort) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  auto r = nbconnect({"wait", "-t", "300ms", "--dns-server", dns.address(), "nosuch.test:80"});
  EXPECT_EQ(r.exit_code, 124);
  EXPECT_NE(r.err.find("is down: nosuch.test:80 unresolved (nxdomain"), std::string::npos) << r.err;
  auto j =
      nbconnect({"wait", "--json", "-t", "300ms", "--dns-server", dns.address(), "nosuch.test:80"});
  EXPECT_EQ(j.exit_code, 124);
  expect_port_80(j.out);
}

TEST(UnresolvedNamesTarget, PingJsonKeepsThePort) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  auto j =
      nbconnect({"ping", "--json", "-c", "1", "--dns-server", dns.address(), "nosuch.test:80"});
  EXPECT_EQ(j.exit_code, 5) << j.err;
  expect_port_80(j.out);
}

TEST(UnresolvedNamesTarget, ScanJsonKeepsThePort) {
  NBC_REQUIRE_NETNS();
  // scan resolves through /etc/resolv.conf: a private one that names the test's DNS server.
  std::string error = private_etc("", "nameserver 127.0.0.53\n");
  if (!error.empty()) GTEST_SKIP() << error;
  Dnsmasq dns({});
  ASSERT_TRUE(dns.ready());
  auto j = nbconnect({"scan", "--json", "--no-progress", "nosuch.test", "-p", "80"});
  EXPECT_EQ(j.exit_code, 0) << j.err;
  expect_port_80(j.out);
  EXPECT_NE(j.err.find("nosuch.test"), std::string::npos) << j.err;
}

}  // namespace
}  // namespace nbc::test
