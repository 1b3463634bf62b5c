// A host that answers on every port (here a NAT rule sends every port to one listener, as a SYN
// proxy would) is flagged after the summary, with what the random canary ports showed.
#include "test_scan_support.hpp"

namespace nbc::test {
namespace {

TEST(ScanSynProxy, HostAnsweringEveryPortIsFlagged) {
  NBC_REQUIRE_NETNS();
  Listener listener("0.0.0.0");
  ASSERT_TRUE(listener.ok());
  NBC_REQUIRE_IPTABLES("-t nat -A OUTPUT -d 127.0.0.2 -p tcp -j REDIRECT --to-ports " +
                       std::to_string(listener.port()));
  RunResult r = scan({"127.0.0.2", "-p", "1000-1099", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("100 ports on 1 host in"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("100 open"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 of 3 random canary ports"), std::string::npos) << r.out;

  // An ordinary host with a few open ports is not flagged.
  Listener a("127.0.0.1"), b("127.0.0.1");
  RunResult plain =
      scan({"127.0.0.1", "-p", std::to_string(a.port()) + "," + std::to_string(b.port()),
            "--no-progress"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out.find("random canary ports"), std::string::npos) << plain.out;
}

}  // namespace
}  // namespace nbc::test
