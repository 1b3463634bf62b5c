// A socket bound to the port it connects to meets itself (TCP simultaneous open): it looks
// connected, but nobody listens. It is reported closed/self-connect after fresh-socket retries.
#include "kernel/matrix.hpp"

namespace nbc::test {
namespace {

class ConnectSelf : public ConnectMatrix {};

TEST_P(ConnectSelf, SourcePortEqualToTargetPortIsSelfConnect) {
  std::uint16_t port;
  {
    Listener probe("127.0.0.1");
    port = probe.port();
  }
  ConnectOptions opts = options();
  opts.source = ep("127.0.0.1", port);
  Outcome o = connect(ep("127.0.0.1", port), opts);
  EXPECT_EQ(o.state, State::closed);
  EXPECT_EQ(o.reason, Reason::self_connect);
  EXPECT_EQ(o.attempts, 1 + opts.self_connect_retries);
  EXPECT_FALSE(o.socket);
  EXPECT_EQ(o.local, o.peer);
}

TEST_P(ConnectSelf, SelfConnectOnIpv6) {
  std::uint16_t port;
  {
    Listener probe("::1");
    port = probe.port();
  }
  ConnectOptions opts = options();
  opts.source = ep("::1", port);
  opts.self_connect_retries = 0;
  Outcome o = connect(ep("::1", port), opts);
  EXPECT_EQ(o.state, State::closed);
  EXPECT_EQ(o.reason, Reason::self_connect);
  EXPECT_EQ(o.attempts, 1);
}

NBC_INSTANTIATE_MATRIX(ConnectSelf);

}  // namespace
}  // namespace nbc::test
