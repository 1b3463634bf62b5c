// UDP probes (issue 11, docs/outcomes.md) over every entry point and backend, in the test's private
// namespace: a responder → open/udp-response; a closed port → closed/port-unreach (the ICMP error
// arrives on the connected socket's next call); ICMP host, net and admin-prohibited from iptables
// REJECT rules → filtered with that reason (read from the error queue, so admin-prohibited is
// told apart from host-unreachable, which a TCP connect cannot do); a DROP rule → open|filtered.
#include <sys/socket.h>
#include <unistd.h>

#include "kernel/family_matrix.hpp"
#include "support/udp_responder.hpp"

namespace nbc::test {
namespace {

class ConnectUdp : public FamilyMatrix {
 protected:
  ConnectOptions udp(std::chrono::milliseconds timeout = std::chrono::milliseconds(800)) const {
    ConnectOptions o = options(timeout);
    o.protocol = Protocol::udp;
    return o;
  }
  // A port nobody listens on: bind one, note it, close it.
  static std::uint16_t closed_port(const char* address = "127.0.0.1") {
    Endpoint bind_to = ep(address, 0);
    int fd = ::socket(bind_to.af(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ::bind(fd, bind_to.data(), bind_to.size());
    sockaddr_storage local{};
    socklen_t len = sizeof local;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
    ::close(fd);
    return Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&local), len).port();
  }
  Outcome rejected(const char* reject_with) {
    std::uint16_t port = closed_port();
    FirewallRule rule("iptables", "INPUT -p udp --dport " + std::to_string(port) +
                                      " -j REJECT --reject-with " + reject_with);
    EXPECT_TRUE(rule.ok());
    return connect(ep("127.0.0.1", port), udp());
  }
  static void expect(const Outcome& o, State state, Reason reason, int err) {
    EXPECT_EQ(o.state, state) << to_string(o.state);
    EXPECT_EQ(o.reason, reason) << o.reason_name();
    EXPECT_EQ(o.error, err) << errno_name(o.error);
  }
};

TEST_P(ConnectUdp, ResponderIsOpenUdpResponse) {
  UdpResponder server;
  ASSERT_TRUE(server.ok());
  Outcome o = connect(ep("127.0.0.1", server.port()), udp());
  expect(o, State::open, Reason::udp_response, 0);
  EXPECT_TRUE(o.socket) << "the connected UDP socket is handed back";
  EXPECT_LT(o.rtt, std::chrono::milliseconds(500));
}

TEST_P(ConnectUdp, ClosedPortIsClosedPortUnreach) {
  Outcome o = connect(ep("127.0.0.1", closed_port()), udp());
  expect(o, State::closed, Reason::port_unreach, ECONNREFUSED);
  EXPECT_FALSE(o.socket);
}

TEST_P(ConnectUdp, ClosedIpv6PortIsClosedPortUnreach) {
  Outcome o = connect(ep("::1", closed_port("::1")), udp());
  expect(o, State::closed, Reason::port_unreach, ECONNREFUSED);
}

TEST_P(ConnectUdp, IcmpHostUnreachableIsFilteredHostUnreach) {
  expect(rejected("icmp-host-unreachable"), State::filtered, Reason::host_unreach, EHOSTUNREACH);
}

TEST_P(ConnectUdp, IcmpNetUnreachableIsFilteredNetUnreach) {
  expect(rejected("icmp-net-unreachable"), State::filtered, Reason::net_unreach, ENETUNREACH);
}

TEST_P(ConnectUdp, IcmpAdminProhibitedIsFilteredAdminProhibited) {
  expect(rejected("icmp-admin-prohibited"), State::filtered, Reason::admin_prohibited,
         EHOSTUNREACH);
}

TEST_P(ConnectUdp, IcmpPortUnreachableRuleIsClosed) {
  expect(rejected("icmp-port-unreachable"), State::closed, Reason::port_unreach, ECONNREFUSED);
}

TEST_P(ConnectUdp, DroppedIsOpenFilteredNoResponseWithoutSpinning) {
  std::uint16_t port = closed_port();
  FirewallRule rule("iptables", "INPUT -p udp --dport " + std::to_string(port) + " -j DROP");
  ASSERT_TRUE(rule.ok());
  Outcome o;
  Cost cost = measure_cost(
      [&] { o = connect(ep("127.0.0.1", port), udp(std::chrono::milliseconds(300))); });
  expect(o, State::open_filtered, Reason::no_response, 0);
  EXPECT_EQ(to_string(o.state), "open|filtered");
  EXPECT_EQ(o.phase, Phase::deadline);
  EXPECT_GE(cost.wall, std::chrono::milliseconds(290));
  EXPECT_LT(cost.cpu, std::chrono::milliseconds(50));
}

// A responder that answers only the second datagram: one resend within the timeout finds it.
TEST_P(ConnectUdp, ResendReachesAResponderThatIgnoredTheFirstProbe) {
  UdpResponder server("127.0.0.1", 2);
  ASSERT_TRUE(server.ok());
  ConnectOptions o = udp(std::chrono::milliseconds(800));
  o.udp_resends = 1;
  o.udp_payload = {'p', 'i', 'n', 'g'};
  Outcome out = connect(ep("127.0.0.1", server.port()), o);
  expect(out, State::open, Reason::udp_response, 0);
  EXPECT_GE(out.rtt, std::chrono::milliseconds(350)) << "answered after the resend at 400 ms";
}

NBC_INSTANTIATE_FAMILY_MATRIX(ConnectUdp);

}  // namespace
}  // namespace nbc::test
