// Nothing listens, or a firewall resets: the kernel says ECONNREFUSED, the outcome is closed.
#include "kernel/matrix.hpp"

namespace nbc::test {
namespace {

class ConnectRefused : public ConnectMatrix {};

// A port that nothing listens on: bind a socket to find a free port, then close it.
std::uint16_t unused_port(const char* address) {
  Listener probe(address);
  return probe.port();
}

TEST_P(ConnectRefused, NothingListeningOnIpv4GivesClosed) {
  Outcome o = connect(ep("127.0.0.1", unused_port("127.0.0.1")), options());
  expect_failure(o, State::closed, Reason::conn_refused, ECONNREFUSED);
}

TEST_P(ConnectRefused, NothingListeningOnIpv6GivesClosed) {
  Outcome o = connect(ep("::1", unused_port("::1")), options());
  expect_failure(o, State::closed, Reason::conn_refused, ECONNREFUSED);
}

TEST_P(ConnectRefused, NothingListeningOnV4MappedGivesClosed) {
  Outcome o = connect(ep("::ffff:127.0.0.1", unused_port("127.0.0.1")), options());
  expect_failure(o, State::closed, Reason::conn_refused, ECONNREFUSED);
}

TEST_P(ConnectRefused, FirewallTcpResetGivesClosed) {
  Listener listener("127.0.0.1");
  ASSERT_TRUE(listener.ok());
  FirewallRule rule1("iptables", "INPUT -p tcp --dport " + std::to_string(listener.port()) +
                                     " -j REJECT --reject-with tcp-reset");
  ASSERT_TRUE(rule1.ok());
  Outcome o = connect(ep("127.0.0.1", listener.port()), options());
  expect_failure(o, State::closed, Reason::conn_refused, ECONNREFUSED);
}

NBC_INSTANTIATE_MATRIX(ConnectRefused);

}  // namespace
}  // namespace nbc::test
