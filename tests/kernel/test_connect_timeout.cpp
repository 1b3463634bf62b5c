// SYNs dropped by a firewall: no answer, so the deadline decides, and on time.
#include "kernel/matrix.hpp"

namespace nbc::test {
namespace {

class ConnectTimeout : public ConnectMatrix {};

TEST_P(ConnectTimeout, DroppedSynGivesFilteredWithinTimeout) {
  Listener listener("127.0.0.1");
  ASSERT_TRUE(listener.ok());
  FirewallRule rule1("iptables",
                     "INPUT -p tcp --syn --dport " + std::to_string(listener.port()) + " -j DROP");
  ASSERT_TRUE(rule1.ok());
  const auto timeout = std::chrono::milliseconds(300);
  auto start = std::chrono::steady_clock::now();
  Outcome o = connect(ep("127.0.0.1", listener.port()), options(timeout));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(o.state, State::filtered);
  EXPECT_EQ(o.reason, Reason::no_response);
  EXPECT_EQ(o.phase, Phase::deadline);
  EXPECT_EQ(o.error, 0);
  EXPECT_GE(elapsed, timeout);
  EXPECT_LT(elapsed, timeout + std::chrono::milliseconds(100));
  EXPECT_FALSE(o.socket);
}

TEST_P(ConnectTimeout, DroppedSynOnIpv6GivesFiltered) {
  Listener listener("::1");
  ASSERT_TRUE(listener.ok());
  FirewallRule rule2("ip6tables",
                     "INPUT -p tcp --syn --dport " + std::to_string(listener.port()) + " -j DROP");
  ASSERT_TRUE(rule2.ok());
  Outcome o = connect(ep("::1", listener.port()), options(std::chrono::milliseconds(200)));
  EXPECT_EQ(o.state, State::filtered);
  EXPECT_EQ(o.reason, Reason::no_response);
}

NBC_INSTANTIATE_MATRIX(ConnectTimeout);

}  // namespace
}  // namespace nbc::test
