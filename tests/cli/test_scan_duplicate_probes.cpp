// The same address and port written twice in different forms (an address with -p, HOST:PORT, a
// CIDR block) is probed once, and the summary counts distinct hosts.
#include <poll.h>

#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

TEST(ScanDuplicateProbes, EachAddressAndPortOnce) {
  NBC_REQUIRE_NETNS();
  Listener listener("127.0.0.1");
  ASSERT_TRUE(listener.ok());
  std::string port = std::to_string(listener.port());
  for (std::vector<std::string> words :
       {std::vector<std::string>{"127.0.0.1", "127.0.0.1:" + port, "127.0.0.0/30"},
        std::vector<std::string>{"127.0.0.1:" + port, "127.0.0.0/30", "127.0.0.1"}}) {
    SCOPED_TRACE(testing::PrintToString(words));
    words.insert(words.end(),
                 {"-p", port, "--json", "--no-progress", "-t", "200ms", "--retries", "0"});
    RunResult r = scan(words);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto probes = by_probe(json_records(r.out));  // fails on a probe reported twice
    EXPECT_EQ(probes.size(), 4u) << r.out;
    EXPECT_NE(r.err.find("4 ports on 4 hosts"), std::string::npos) << r.err;
  }
  // Two HOST:PORT words on one address: two ports, one host.
  Listener other("127.0.0.1");
  RunResult two =
      scan({"127.0.0.1:" + port, "127.0.0.1:" + std::to_string(other.port()), "--no-progress"});
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_NE(two.out.find("2 ports on 1 host in"), std::string::npos) << two.out;
}

}  // namespace
}  // namespace nbc::test
