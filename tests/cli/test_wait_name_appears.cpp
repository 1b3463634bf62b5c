// `nbconnect wait NAME:PORT` for a name that does not resolve yet: it is asked again with the
// back-off until it resolves, then connected.
#include "cli/names_support.hpp"

namespace nbc::test {
namespace {

TEST(WaitNameAppears, NameThatStartsResolvingMidWait) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  Listener v4("127.0.0.1");
  // NXDOMAIN for the first four queries (two tries of A and AAAA), then the address.
  dns.set_after("later.test", 4, {.a = {"127.0.0.1"}});
  auto r = nbconnect({"wait", "--json", "-t", "10s", "--dns-server", dns.address(),
                      "later.test:" + std::to_string(v4.port()), "--", "sh", "-c", "exit 9"});
  EXPECT_EQ(r.exit_code, 9) << r.err;
  auto records = json_lines(r.out);
  ASSERT_GE(records.size(), 3u) << r.out;
  EXPECT_EQ(records.front()["state"], "unresolved");
  EXPECT_EQ(records.front()["reason"], "nxdomain");
  EXPECT_EQ(records.back()["state"], "open");
  EXPECT_EQ(records.back()["address"], "127.0.0.1");
  EXPECT_GE(dns.queries("later.test"), 5);
}

TEST(WaitNameAppears, UnresolvedNameTimesOutWithItsReason) {
  NBC_REQUIRE_NETNS();
  FakeDns dns;
  ASSERT_TRUE(dns.ok());
  auto r = nbconnect({"wait", "-t", "500ms", "--dns-server", dns.address(), "never.test:80"});
  EXPECT_EQ(r.exit_code, 124);
  EXPECT_NE(r.err.find("never.test:80"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nxdomain"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nbc::test
