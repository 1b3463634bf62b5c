// `nbconnect HOST PORT` with a host name: c-ares and Happy Eyeballs from the command line.
#include "cli/names_support.hpp"

namespace nbc::test {
namespace {

TEST(NamesCheckCli, BlackholedIpv6ConnectsOverIpv4WellUnderASecond) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(dual_stack_records());
  ASSERT_TRUE(dns.ready());
  Listener v4("127.0.0.1");
  ASSERT_TRUE(drop_syns("::1", v4.port()));
  auto r = nbconnect({"dual.test", std::to_string(v4.port()), "--dns-server", "127.0.0.53"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("127.0.0.1:" + std::to_string(v4.port()) + " open (syn-ack) in ", 0), 0u)
      << r.out;
  EXPECT_LT(r.elapsed, Ms(900));
}

TEST(NamesCheckCli, BothRefuseIsClosedFastAndJsonListsEachAddress) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(dual_stack_records());
  ASSERT_TRUE(dns.ready());
  std::uint16_t port = closed_port();
  auto r = nbconnect({"--json", "dual.test:" + std::to_string(port), "--dns-server", "127.0.0.53"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_LT(r.elapsed, Ms(500));
  auto records = json_lines(r.out);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["target"], "dual.test");
  EXPECT_EQ(records[0]["state"], "closed");
  ASSERT_TRUE(records[0]["tried"].is_array()) << r.out;
  ASSERT_EQ(records[0]["tried"].size(), 2u);
  EXPECT_EQ(records[0]["tried"][0]["address"], "::1");
  EXPECT_EQ(records[0]["tried"][0]["reason"], "conn-refused");
  EXPECT_EQ(records[0]["tried"][1]["address"], "127.0.0.1");
  EXPECT_EQ(records[0]["tried"][1]["errno"], "ECONNREFUSED");
}

TEST(NamesCheckCli, TextNamesEveryAddressWhenAllFail) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(dual_stack_records());
  ASSERT_TRUE(dns.ready());
  std::string port = std::to_string(closed_port());
  auto r = nbconnect({"dual.test", port, "--dns-server", "127.0.0.53"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("[::1]:" + port + " closed (conn-refused)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("127.0.0.1:" + port + " closed (conn-refused)"), std::string::npos) << r.out;
}

TEST(NamesCheckCli, NxdomainExitsFive) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(dual_stack_records());
  ASSERT_TRUE(dns.ready());
  auto r = nbconnect({"nosuch.test", "80", "--dns-server", "127.0.0.53"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.out.find("unresolved (nxdomain"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("nosuch.test"), std::string::npos) << r.err;
  auto j = nbconnect({"nosuch.test", "80", "--dns-server", "127.0.0.53", "--json"});
  EXPECT_EQ(j.exit_code, 5);
  auto records = json_lines(j.out);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["state"], "unresolved");
  EXPECT_EQ(records[0]["reason"], "nxdomain");
  EXPECT_EQ(records[0]["phase"], "resolve");
  EXPECT_TRUE(records[0]["address"].is_null());
}

TEST(NamesCheckCli, FamilyFlagsPickTheFamily) {
  NBC_REQUIRE_NETNS();
  Dnsmasq dns(dual_stack_records());
  ASSERT_TRUE(dns.ready());
  Listener v4("127.0.0.1");
  Listener v6("::1", v4.port());
  std::string port = std::to_string(v4.port());
  auto six = nbconnect({"-6", "dual.test", port, "--dns-server", "127.0.0.53"});
  EXPECT_EQ(six.exit_code, 0);
  EXPECT_EQ(six.out.rfind("[::1]:" + port + " open", 0), 0u) << six.out;
  auto four = nbconnect({"-4", "dual.test", port, "--dns-server", "127.0.0.53"});
  EXPECT_EQ(four.exit_code, 0);
  EXPECT_EQ(four.out.rfind("127.0.0.1:" + port + " open", 0), 0u) << four.out;
  auto none = nbconnect({"-4", "v6only.test", port, "--dns-server", "127.0.0.53", "--json"});
  EXPECT_EQ(none.exit_code, 5);
  EXPECT_NE(none.out.find("\"reason\":\"no-address\""), std::string::npos) << none.out;
}

TEST(NamesCheckCli, HostsFileAndResolvConfWithoutOptions) {
  NBC_REQUIRE_NETNS();
  std::string error = private_etc("127.0.0.1 hostsonly.test\n", "nameserver 127.0.0.53\n");
  if (!error.empty()) GTEST_SKIP() << error;
  Dnsmasq dns(dual_stack_records());
  ASSERT_TRUE(dns.ready());
  Listener v4("127.0.0.1");
  auto r = nbconnect({"hostsonly.test", std::to_string(v4.port())});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto d = nbconnect({"-4", "v4only.test", std::to_string(v4.port())});
  EXPECT_EQ(d.exit_code, 0) << d.out << d.err;
}

TEST(NamesCheckCli, BadDnsServerIsAUsageError) {
  auto r = nbconnect({"dual.test", "80", "--dns-server", "ns.example"});
  expect_usage_error(r, "ns.example");
  auto p = nbconnect({"dual.test", "80", "--dns-server", "127.0.0.1:99999"});
  expect_usage_error(p, "99999");
}

}  // namespace
}  // namespace nbc::test
