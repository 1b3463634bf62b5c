// ICMP errors and routes: host-unreach, net-unreach and admin-prohibited are "filtered".
// The route prefixes are documentation ranges; the namespace has no interface but loopback, so
// nothing is ever sent towards them.
#include <cstdio>

#include "kernel/matrix.hpp"

namespace nbc::test {
namespace {

class ConnectUnreachable : public ConnectMatrix {
 protected:
  Outcome connect_rejected(const char* reject_with) {
    Listener listener("127.0.0.1");
    EXPECT_TRUE(listener.ok());
    FirewallRule rule("iptables", "INPUT -p tcp --dport " + std::to_string(listener.port()) +
                                      " -j REJECT --reject-with " + reject_with);
    EXPECT_TRUE(rule.ok());
    // An ICMP error that races with a system call on the socket becomes a soft error that only
    // SO_ERROR reports; getpeername and reconnect then learn it from the ICMP answering the
    // kernel's first SYN retransmission, one second later. Their own polling can make that ICMP
    // meet the socket held too (docs/behaviour-linux.md, point 3): then the next retransmission,
    // about a second later again (the ICMP reverts the back-off). Hence the longer deadline.
    Outcome o;
    cost_ = measure_cost(
        [&] { o = connect(ep("127.0.0.1", listener.port()), options(std::chrono::seconds(4))); });
    std::printf("[ cost ] %s cpu_us=%lld wall_us=%lld\n",
                testing::UnitTest::GetInstance()->current_test_info()->name(),
                static_cast<long long>(cost_.cpu.count()),
                static_cast<long long>(cost_.wall.count()));
    return o;
  }

  // The ICMP error is a soft error: SO_ERROR reads it at once, and zero-read is fooled at once;
  // getpeername and reconnect see the socket pending until the retransmission about 1 s later.
  bool waits_for_retransmit() const {
    return method() == Method::getpeername || method() == Method::reconnect;
  }

  // Waiting is not spinning: a socket waited on for about 1 s costs under 50 ms of CPU (all
  // threads, user + system), on every entry point and backend.
  void expect_cheap_wait() const {
    using std::chrono::milliseconds;
    EXPECT_LT(cost_.cpu, milliseconds(50))
        << "CPU " << cost_.cpu.count() << " us over " << cost_.wall.count() << " us of waiting";
    if (waits_for_retransmit()) {
      EXPECT_GE(cost_.wall, milliseconds(900)) << "the answer comes with the SYN retransmission";
      EXPECT_LT(cost_.wall, milliseconds(3500)) << "at most two retransmissions: not the deadline";
    } else {
      EXPECT_LT(cost_.wall, milliseconds(500)) << "the soft error is there at once";
    }
  }

  Cost cost_;
};

// completion_has_errno = false: the ICMP error completes IORING_OP_CONNECT with 0, and the
// method has the last word, as after readiness.
TEST_P(ConnectUnreachable, IcmpHostUnreachableGivesHostUnreach) {
  Outcome o = connect_rejected("icmp-host-unreachable");
  expect_failure(o, State::filtered, Reason::host_unreach, EHOSTUNREACH, false);
  expect_cheap_wait();
}

TEST_P(ConnectUnreachable, IcmpNetUnreachableGivesNetUnreach) {
  Outcome o = connect_rejected("icmp-net-unreachable");
  expect_failure(o, State::filtered, Reason::net_unreach, ENETUNREACH, false);
  expect_cheap_wait();
}

// Linux turns ICMP type 3 code 13 (communication administratively prohibited) into
// EHOSTUNREACH, so it cannot be told apart from host-unreachable; it is filtered either way.
TEST_P(ConnectUnreachable, IcmpAdminProhibitedGivesHostUnreachOnLinux) {
  Outcome o = connect_rejected("icmp-admin-prohibited");
  expect_failure(o, State::filtered, Reason::host_unreach, EHOSTUNREACH, false);
  expect_cheap_wait();
}

TEST_P(ConnectUnreachable, NoRouteGivesNetUnreachAtConnect) {
  Outcome o = connect(ep("198.51.100.1", 80), options());
  EXPECT_EQ(o.state, State::filtered);
  EXPECT_EQ(o.reason, Reason::net_unreach);
  EXPECT_EQ(o.error, ENETUNREACH);
  // Learnt from connect() itself, so every method agrees; on the completion path that answer
  // is the IORING_OP_CONNECT completion.
  EXPECT_EQ(o.phase, completion_connect() ? Phase::completion : Phase::connect);
}

TEST_P(ConnectUnreachable, ProhibitRouteGivesAdminProhibited) {
  ASSERT_EQ(sh("ip route replace prohibit 203.0.113.0/24"), 0);
  Outcome o = connect(ep("203.0.113.7", 80), options());
  EXPECT_EQ(o.state, State::filtered);
  EXPECT_EQ(o.reason, Reason::admin_prohibited);
  EXPECT_EQ(o.error, EACCES);
  EXPECT_EQ(o.phase, completion_connect() ? Phase::completion : Phase::connect);
}

TEST_P(ConnectUnreachable, UnreachableRouteGivesHostUnreach) {
  ASSERT_EQ(sh("ip route replace unreachable 192.0.2.0/24"), 0);
  Outcome o = connect(ep("192.0.2.9", 80), options());
  EXPECT_EQ(o.state, State::filtered);
  EXPECT_EQ(o.reason, Reason::host_unreach);
  EXPECT_EQ(o.error, EHOSTUNREACH);
}

NBC_INSTANTIATE_MATRIX(ConnectUnreachable);

}  // namespace
}  // namespace nbc::test
