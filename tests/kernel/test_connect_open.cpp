// A real listener answers: the outcome is open, with the connected socket handed back.
#include "kernel/matrix.hpp"

namespace nbc::test {
namespace {

class ConnectOpen : public ConnectMatrix {};

TEST_P(ConnectOpen, ListenerOnIpv4GivesOpenWithSocket) {
  Listener listener("127.0.0.1");
  ASSERT_TRUE(listener.ok());
  Outcome o = connect(ep("127.0.0.1", listener.port()), options());
  EXPECT_EQ(o.state, State::open);
  EXPECT_EQ(o.reason, Reason::syn_ack);
  EXPECT_EQ(o.error, 0);
  EXPECT_EQ(o.attempts, 1);
  ASSERT_TRUE(o.socket);
  // The socket really is connected to the listener.
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  ASSERT_EQ(::getpeername(o.socket.get(), reinterpret_cast<sockaddr*>(&peer), &len), 0);
  EXPECT_EQ(Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&peer), len).port(),
            listener.port());
}

TEST_P(ConnectOpen, ListenerOnIpv6LoopbackGivesOpen) {
  Listener listener("::1");
  ASSERT_TRUE(listener.ok());
  Outcome o = connect(ep("::1", listener.port()), options());
  EXPECT_EQ(o.state, State::open);
  EXPECT_EQ(o.peer.family(), Family::ipv6);
}

TEST_P(ConnectOpen, V4MappedAddressReachesIpv4Listener) {
  Listener listener("127.0.0.1");
  ASSERT_TRUE(listener.ok());
  Outcome o = connect(ep("::ffff:127.0.0.1", listener.port()), options());
  EXPECT_EQ(o.state, State::open);
  EXPECT_TRUE(o.peer.is_v4_mapped());
}

TEST_P(ConnectOpen, KeepSocketFalseClosesTheConnection) {
  Listener listener("127.0.0.1");
  ASSERT_TRUE(listener.ok());
  ConnectOptions opts = options();
  opts.keep_socket = false;
  Outcome o = connect(ep("127.0.0.1", listener.port()), opts);
  EXPECT_EQ(o.state, State::open);
  EXPECT_FALSE(o.socket);
}

NBC_INSTANTIATE_MATRIX(ConnectOpen);

}  // namespace
}  // namespace nbc::test
