// `check -t DUR` with a host name: DUR bounds the whole check, resolution and every address of
// Happy Eyeballs included (a silent DNS server, a name with many blackholed addresses).
#include "cli/names_support.hpp"

namespace nbc::test {
namespace {

TEST(CheckOverallDeadline, SilentDnsEndsAtTheTimeout) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  dns.set("silent.test", {.silent = true});
  // c-ares alone would wait 2 s, then 4 s more for its second try.
  auto r = nbconnect({"--json", "-t", "1s", "silent.test", "80", "--dns-server", dns.address()});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_NE(r.out.find("\"reason\":\"dns-timeout\""), std::string::npos) << r.out;
  EXPECT_GE(r.elapsed, Ms(950));
  EXPECT_LT(r.elapsed, Ms(1800));
}

TEST(CheckOverallDeadline, ManyBlackholedAddressesEndAtTheTimeout) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  std::string port = stage_blackholed_name(dns, "many.test", 20);
  ASSERT_FALSE(port.empty());
  // One attempt every 250 ms over 20 addresses would run for 6 s.
  auto r = nbconnect({"--json", "-t", "1s", "many.test", port, "--dns-server", dns.address()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_LT(r.elapsed, Ms(1800));
  auto records = json_lines(r.out);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["state"], "filtered");
  ASSERT_TRUE(records[0]["tried"].is_array()) << r.out;
  EXPECT_LE(records[0]["tried"].size(), 16u);
}

}  // namespace
}  // namespace nbc::test
