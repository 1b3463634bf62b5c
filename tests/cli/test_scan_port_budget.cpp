// A namespace with a tiny ephemeral port range: the scan completes with the right states, its
// local ports budgeted rather than reported as errors.
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

TEST(ScanPortBudget, TinyEphemeralRangeStillScansCorrectly) {
  NBC_REQUIRE_NETNS();
  ASSERT_EQ(sh("sysctl -q -w net.ipv4.ip_local_port_range='40000 40007'"), 0);
  Listener listener("127.0.0.1");  // takes one of the eight ephemeral ports
  ASSERT_TRUE(listener.ok());
  ASSERT_GE(listener.port(), 40000);
  ASSERT_LE(listener.port(), 40007);
  NBC_REQUIRE_IPTABLES("-A INPUT -p tcp --dport 2001:2100 -j DROP");
  RunResult r = scan({"127.0.0.1", "-p", "1-5000,39990-40020", "-t", "300ms", "--retries", "0",
                      "--csv", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto probes = csv_probes(r.out);
  ASSERT_EQ(probes.size(), 5031u);
  for (const auto& [key, rec] : probes) {
    int port = key.second;
    std::string expected = port == listener.port()          ? "open"
                           : (port >= 2001 && port <= 2100) ? "filtered"
                                                            : "closed";
    ASSERT_EQ(rec.at("state"), expected) << describe(rec);
  }
}

}  // namespace
}  // namespace nbc::test
