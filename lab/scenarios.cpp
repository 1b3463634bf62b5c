// The table of the lab's scenarios and the functions that stage them in the private network
// namespace. Adding a scenario means adding one entry here (and, when no staging function fits,
// one function above the table).
#include "lab/scenarios.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lab/probe.hpp"

namespace nbc::lab {

using namespace std::chrono_literals;

namespace {

constexpr const char* kPortRange = "/proc/sys/net/ipv4/ip_local_port_range";

std::optional<Socket> make_listener(int af, int backlog, std::uint16_t& port, std::string& error) {
  Socket s(::socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  Endpoint any = loopback_of(af, 0);
  if (!s || ::bind(s.get(), any.data(), any.size()) != 0 || ::listen(s.get(), backlog) != 0) {
    error = std::string("cannot listen on loopback: ") + std::strerror(errno);
    return std::nullopt;
  }
  port = local_address(s.get()).port();
  return s;
}

// Keeps a socket for the whole scenario; without one, the scenario is skipped with `error`.
bool hold(Stage& st, std::optional<Socket> s, const std::string& error) {
  if (!s) {
    st.skip = error;
    return false;
  }
  st.held.push_back(std::move(*s));
  return true;
}

// A listener on a loopback port: listening, and tcp-reset (whose firewall answers for it).
void stage_listener(const Scenario& sc, Stage& st) {
  std::uint16_t port = 0;
  std::string error;
  if (!hold(st, make_listener(sc.family, 128, port, error), error)) return;
  st.target = loopback_of(sc.family, port);
  st.setup = "a listener on " + st.target.to_string();
}

// A port with no listener: nothing-listening and the firewall scenarios.
void stage_closed_port(const Scenario& sc, Stage& st) {
  std::uint16_t port = 0;
  std::string error;
  if (!hold(st, reserve_port(sc.family, port, error), error)) return;
  st.target = loopback_of(sc.family, port);
  st.setup = "no listener on " + st.target.to_string();
}

// A listener with backlog 0 whose accept queue holds one connection that is never accepted.
// Waits (bounded) until the kernel has queued it, which the listener shows by turning readable.
void stage_backlog_full(const Scenario& sc, Stage& st) {
  std::uint16_t port = 0;
  std::string error;
  if (!hold(st, make_listener(sc.family, 0, port, error), error)) return;
  st.target = loopback_of(sc.family, port);
  Socket filler(::socket(sc.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!filler) {
    st.skip = std::string("socket: ") + std::strerror(errno);
    return;
  }
  int r = ::connect(filler.get(), st.target.data(), st.target.size());
  if (r != 0 && errno != EINPROGRESS) {
    st.skip = std::string("the filling connect failed: ") + std::strerror(errno);
    return;
  }
  pollfd p{st.held.front().get(), POLLIN, 0};
  if (::poll(&p, 1, 2000) != 1) {
    st.skip = "the filling connection never reached the accept queue";
    return;
  }
  st.held.push_back(std::move(filler));
  st.setup = "a listener on " + st.target.to_string() +
             " with listen(fd, 0) and one connection queued that is never accepted";
}

// The namespace's ephemeral range shrinks to one port, and one connection to the listener holds
// it: the next connect() to the same destination has no source port left.
void stage_ports_exhausted(const Scenario& sc, Stage& st) {
  std::uint16_t port = 0;
  std::string error;
  if (!hold(st, make_listener(sc.family, 128, port, error), error)) return;
  st.target = loopback_of(sc.family, port);
  std::string old = sandbox::read_sysctl(kPortRange);
  if (old.empty() || !sandbox::write_sysctl(kPortRange, "61000 61000", error)) {
    st.skip = error.empty() ? std::string("cannot read ") + kPortRange : error;
    return;
  }
  st.restore_port_range = old;
  Socket holder(::socket(sc.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  ::connect(holder.get(), st.target.data(), st.target.size());
  pollfd p{holder.get(), POLLOUT, 0};
  int value = -1;
  socklen_t len = sizeof value;
  if (::poll(&p, 1, 2000) != 1 ||
      ::getsockopt(holder.get(), SOL_SOCKET, SO_ERROR, &value, &len) != 0 || value != 0) {
    st.skip = "the connection meant to hold the only ephemeral port did not connect";
    return;
  }
  st.held.push_back(std::move(holder));
  st.setup =
      "ip_local_port_range 61000 61000; one connection from 127.0.0.1:61000 to the listener on " +
      st.target.to_string();
}

// Nothing to build: each probe binds its own port and connects to it.
void stage_self_connect(const Scenario&, Stage& st) {
  st.self_connect = true;
  st.setup = "each socket binds 127.0.0.1:P and connects to 127.0.0.1:P";
}

void stage_no_route(const Scenario&, Stage& st) {
  st.target = *parse_ipv4("192.0.2.1", 80);
  st.setup = "192.0.2.1 (TEST-NET-1): the namespace has no route to it (only lo exists)";
}

void stage_route(const Scenario& sc, Stage& st) {
  std::vector<std::string> argv = {"ip", "route", "add", std::string(sc.route.type),
                                   std::string(sc.route.prefix)};
  sandbox::RunResult r = sandbox::run_program(argv, 10s);
  if (!r.succeeded()) {
    st.skip = sandbox::failure_text(argv, r);
    return;
  }
  st.target = *parse_ipv4(sc.route.address, 80);
  st.setup = sandbox::joined(argv);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The table

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> list = {
      {.name = "listening",
       .title = "a server listens on the port",
       .needs = Needs::loopback,
       .truth_state = "open",
       .truth_reason = "syn-ack",
       .stage = stage_listener},
      {.name = "nothing-listening",
       .title = "nobody listens on the port: the kernel answers with RST",
       .needs = Needs::loopback,
       .truth_state = "closed",
       .truth_reason = "conn-refused",
       .stage = stage_closed_port},
      {.name = "nothing-listening-v6",
       .title = "on ::1, nobody listens on the port",
       .needs = Needs::loopback,
       .truth_state = "closed",
       .truth_reason = "conn-refused",
       .stage = stage_closed_port,
       .family = AF_INET6},
      {.name = "syn-dropped",
       .title = "a firewall drops the SYN",
       .needs = Needs::firewall,
       .truth_state = "filtered",
       .truth_reason = "no-response",
       .stage = stage_closed_port,
       .firewall_verdict = "drop"},
      {.name = "icmp-host-unreachable",
       .title = "a firewall answers ICMP host-unreachable",
       .needs = Needs::firewall,
       .truth_state = "filtered",
       .truth_reason = "host-unreach",
       .stage = stage_closed_port,
       .firewall_verdict = "icmp-host-unreachable"},
      {.name = "icmp-net-unreachable",
       .title = "a firewall answers ICMP net-unreachable",
       .needs = Needs::firewall,
       .truth_state = "filtered",
       .truth_reason = "net-unreach",
       .stage = stage_closed_port,
       .firewall_verdict = "icmp-net-unreachable"},
      // Linux turns ICMP code 13 (communication administratively prohibited) into EHOSTUNREACH,
      // so host-unreach is all a program can report here.
      {.name = "icmp-admin-prohibited",
       .title = "a firewall answers ICMP admin-prohibited (code 13)",
       .needs = Needs::firewall,
       .truth_state = "filtered",
       .truth_reason = "host-unreach",
       .stage = stage_closed_port,
       .firewall_verdict = "icmp-admin-prohibited"},
      // The first ICMP comes while connect() still holds the socket (a soft error); the one
      // answering the SYN retransmitted after 1 s finds it free and ends the connect, as an ICMP
      // from across a network does. So this scenario waits for the end of the connect. The wait
      // covers one more retransmission: a method that polls with getpeername() or connect() holds
      // the socket now and then, and when the retransmission's ICMP meets it held, that one too
      // is only a soft error (seen in CI for `reconnect`; see the recipe's third point).
      {.name = "icmp-after-retransmit",
       .title = "as icmp-host-unreachable, read once the SYN retransmitted after 1 s met the ICMP "
                "too",
       .needs = Needs::firewall,
       .truth_state = "filtered",
       .truth_reason = "host-unreach",
       .stage = stage_closed_port,
       .firewall_verdict = "icmp-host-unreachable",
       .settle = true,
       .min_wait = 3500ms},
      // IPv6 maps ICMPv6 "administratively prohibited" to EACCES, unlike IPv4; and it drops the
      // ICMPv6 that finds the socket held, so only the retransmission's answer counts.
      {.name = "icmp-admin-prohibited-v6",
       .title = "on ::1, a firewall answers ICMPv6 admin-prohibited; read after the SYN "
                "retransmission",
       .needs = Needs::firewall,
       .truth_state = "filtered",
       .truth_reason = "admin-prohibited",
       .stage = stage_closed_port,
       .family = AF_INET6,
       .firewall_verdict = "icmp-admin-prohibited",
       .settle = true,
       .min_wait = 3500ms},
      {.name = "tcp-reset",
       .title = "a server listens, but a firewall answers the SYN with RST",
       .needs = Needs::firewall,
       .truth_state = "closed",
       .truth_reason = "conn-refused",
       .stage = stage_listener,
       .firewall_verdict = "tcp-reset"},
      {.name = "no-route",
       .title = "no route to the address (a namespace with only lo)",
       .needs = Needs::namespace_,
       .truth_state = "filtered",
       .truth_reason = "net-unreach",
       .stage = stage_no_route},
      {.name = "route-prohibit",
       .title = "the route is `prohibit`",
       .needs = Needs::route,
       .truth_state = "filtered",
       .truth_reason = "admin-prohibited",
       .stage = stage_route,
       .route = {"prohibit", "198.51.100.0/25", "198.51.100.1"}},
      {.name = "route-unreachable",
       .title = "the route is `unreachable`",
       .needs = Needs::route,
       .truth_state = "filtered",
       .truth_reason = "host-unreach",
       .stage = stage_route,
       .route = {"unreachable", "203.0.113.0/24", "203.0.113.1"}},
      // A blackhole route makes connect() fail with EINVAL: a local configuration error that
      // says nothing about the peer.
      {.name = "route-blackhole",
       .title = "the route is `blackhole`",
       .needs = Needs::route,
       .truth_state = "error",
       .truth_reason = "einval",
       .stage = stage_route,
       .route = {"blackhole", "198.51.100.128/25", "198.51.100.129"}},
      {.name = "ports-exhausted",
       .title = "no ephemeral source port is left for this destination",
       .needs = Needs::namespace_,
       .truth_state = "error",
       .truth_reason = "local-resources",
       .stage = stage_ports_exhausted},
      {.name = "self-connect",
       .title = "the source port is the destination port (TCP simultaneous open)",
       .needs = Needs::loopback,
       .truth_state = "closed",
       .truth_reason = "self-connect",
       .stage = stage_self_connect},
      {.name = "backlog-full",
       .title = "a server listens, but its accept queue is full",
       .needs = Needs::loopback,
       .truth_state = "filtered",
       .truth_reason = "no-response",
       .stage = stage_backlog_full},
      // UNIX-domain stream sockets (unix.cpp): a temporary directory, or the abstract namespace.
      {.name = "unix-listening",
       .title = "a UNIX stream listener at the path",
       .needs = Needs::loopback,
       .truth_state = "open",
       .truth_reason = "connected",
       .stage = nullptr,
       .kind = Family::unix_stream,
       .variant = "listener",
       .measure = measure_unix},
      {.name = "unix-absent",
       .title = "nothing at the path",
       .needs = Needs::loopback,
       .truth_state = "closed",
       .truth_reason = "enoent",
       .stage = nullptr,
       .kind = Family::unix_stream,
       .variant = "absent",
       .measure = measure_unix},
      {.name = "unix-stale",
       .title = "a socket file whose listener has gone (closed without unlink)",
       .needs = Needs::loopback,
       .truth_state = "closed",
       .truth_reason = "conn-refused",
       .stage = nullptr,
       .kind = Family::unix_stream,
       .variant = "stale",
       .measure = measure_unix},
      {.name = "unix-regular-file",
       .title = "a regular file at the path",
       .needs = Needs::loopback,
       .truth_state = "closed",
       .truth_reason = "conn-refused",
       .stage = nullptr,
       .kind = Family::unix_stream,
       .variant = "regular-file",
       .measure = measure_unix},
      {.name = "unix-wrong-type",
       .title = "a SOCK_DGRAM socket bound at the path",
       .needs = Needs::loopback,
       .truth_state = "error",
       .truth_reason = "eprototype",
       .stage = nullptr,
       .kind = Family::unix_stream,
       .variant = "dgram",
       .measure = measure_unix},
      {.name = "unix-backlog-full",
       .title = "a UNIX listener whose accept queue is full",
       .needs = Needs::loopback,
       .truth_state = "filtered",
       .truth_reason = "backlog-full",
       .stage = nullptr,
       .kind = Family::unix_stream,
       .variant = "backlog-full",
       .measure = measure_unix},
      {.name = "unix-permission",
       .title = "a listener whose socket file the caller may not write to",
       .needs = Needs::loopback,
       .truth_state = "filtered",
       .truth_reason = "admin-prohibited",
       .stage = nullptr,
       .kind = Family::unix_stream,
       .variant = "permission",
       .measure = measure_unix},
      {.name = "unix-too-long",
       .title = "a path longer than sun_path (108 bytes)",
       .needs = Needs::loopback,
       .truth_state = "bad input",
       .truth_reason = "(exit 64)",
       .stage = nullptr,
       .kind = Family::unix_stream,
       .variant = "too-long",
       .measure = measure_unix},
      {.name = "unix-not-dir",
       .title = "a component of the path is a regular file",
       .needs = Needs::loopback,
       .truth_state = "error",
       .truth_reason = "enotdir",
       .stage = nullptr,
       .kind = Family::unix_stream,
       .variant = "not-dir",
       .measure = measure_unix},
      {.name = "unix-abstract",
       .title = "a listener on an abstract name (@name)",
       .needs = Needs::loopback,
       .truth_state = "open",
       .truth_reason = "connected",
       .stage = nullptr,
       .kind = Family::unix_stream,
       .variant = "abstract",
       .measure = measure_unix},
      {.name = "unix-abstract-absent",
       .title = "nobody bound the abstract name",
       .needs = Needs::loopback,
       .truth_state = "closed",
       .truth_reason = "conn-refused",
       .stage = nullptr,
       .kind = Family::unix_stream,
       .variant = "abstract-absent",
       .measure = measure_unix},
      // UDP (udp.cpp): a connected socket sends one datagram, then waits.
      {.name = "udp-responder",
       .title = "a UDP server answers every datagram",
       .needs = Needs::loopback,
       .truth_state = "open",
       .truth_reason = "udp-response",
       .stage = nullptr,
       .kind = Family::udp,
       .variant = "responder",
       .measure = measure_udp},
      {.name = "udp-closed-port",
       .title = "no UDP socket on the port: the kernel answers ICMP port-unreachable",
       .needs = Needs::loopback,
       .truth_state = "closed",
       .truth_reason = "port-unreach",
       .stage = nullptr,
       .kind = Family::udp,
       .variant = "closed",
       .measure = measure_udp},
      {.name = "udp-icmp-port-unreachable",
       .title = "a firewall answers ICMP port-unreachable",
       .needs = Needs::firewall,
       .truth_state = "closed",
       .truth_reason = "port-unreach",
       .stage = nullptr,
       .firewall_verdict = "icmp-port-unreachable",
       .kind = Family::udp,
       .variant = "closed",
       .measure = measure_udp},
      // Linux keeps ICMP host- and net-unreachable ("soft" errors) from a UDP socket unless it set
      // IP_RECVERR: a plain socket hears nothing.
      {.name = "udp-icmp-host-unreachable",
       .title = "a firewall answers ICMP host-unreachable; a plain socket",
       .needs = Needs::firewall,
       .truth_state = "filtered",
       .truth_reason = "host-unreach",
       .stage = nullptr,
       .firewall_verdict = "icmp-host-unreachable",
       .kind = Family::udp,
       .variant = "closed",
       .measure = measure_udp},
      {.name = "udp-icmp-host-unreachable-recverr",
       .title = "as udp-icmp-host-unreachable, on a socket with IP_RECVERR",
       .needs = Needs::firewall,
       .truth_state = "filtered",
       .truth_reason = "host-unreach",
       .stage = nullptr,
       .firewall_verdict = "icmp-host-unreachable",
       .kind = Family::udp,
       .variant = "recverr",
       .measure = measure_udp},
      {.name = "udp-icmp-net-unreachable",
       .title = "a firewall answers ICMP net-unreachable; a plain socket",
       .needs = Needs::firewall,
       .truth_state = "filtered",
       .truth_reason = "net-unreach",
       .stage = nullptr,
       .firewall_verdict = "icmp-net-unreachable",
       .kind = Family::udp,
       .variant = "closed",
       .measure = measure_udp},
      {.name = "udp-icmp-net-unreachable-recverr",
       .title = "as udp-icmp-net-unreachable, on a socket with IP_RECVERR",
       .needs = Needs::firewall,
       .truth_state = "filtered",
       .truth_reason = "net-unreach",
       .stage = nullptr,
       .firewall_verdict = "icmp-net-unreachable",
       .kind = Family::udp,
       .variant = "recverr",
       .measure = measure_udp},
      // As for TCP, Linux turns ICMP code 13 into EHOSTUNREACH.
      {.name = "udp-icmp-admin-prohibited",
       .title = "a firewall answers ICMP admin-prohibited (code 13)",
       .needs = Needs::firewall,
       .truth_state = "filtered",
       .truth_reason = "host-unreach",
       .stage = nullptr,
       .firewall_verdict = "icmp-admin-prohibited",
       .kind = Family::udp,
       .variant = "closed",
       .measure = measure_udp},
      {.name = "udp-dropped",
       .title = "a firewall drops the datagram",
       .needs = Needs::firewall,
       .truth_state = "open|filtered",
       .truth_reason = "no-response",
       .stage = nullptr,
       .firewall_verdict = "drop",
       .kind = Family::udp,
       .variant = "closed",
       .measure = measure_udp},
      {.name = "udp-reconnect",
       .title = "connect() a second time: the socket's peer changes",
       .needs = Needs::loopback,
       .truth_state = "",
       .truth_reason = "",
       .stage = nullptr,
       .kind = Family::udp_peers,
       .variant = "reassociate",
       .measure = measure_udp_peers},
      {.name = "udp-unspec",
       .title = "connect() with AF_UNSPEC: the socket has no peer again",
       .needs = Needs::loopback,
       .truth_state = "",
       .truth_reason = "",
       .stage = nullptr,
       .kind = Family::udp_peers,
       .variant = "unspec",
       .measure = measure_udp_peers},
      {.name = "udp-foreign-peer",
       .title = "a datagram from another peer than the connected one",
       .needs = Needs::loopback,
       .truth_state = "",
       .truth_reason = "",
       .stage = nullptr,
       .kind = Family::udp_peers,
       .variant = "foreign",
       .measure = measure_udp_peers},
      {.name = "udp-icmp-rate-limit",
       .title = "thousands of probes to a closed port: how many ICMP errors come back",
       .needs = Needs::namespace_,
       .truth_state = "",
       .truth_reason = "",
       .stage = nullptr,
       .kind = Family::udp_rate,
       .measure = measure_udp_rate},
  };
  return list;
}

// ---------------------------------------------------------------------------------------------

const Scenario* find_scenario(std::string_view name) {
  for (const Scenario& sc : scenarios()) {
    if (sc.name == name) return &sc;
  }
  return nullptr;
}

std::string_view family_name(Family family) {
  switch (family) {
    case Family::tcp:
      return "tcp";
    case Family::unix_stream:
      return "unix";
    case Family::udp:
    case Family::udp_peers:
    case Family::udp_rate:
      return "udp";
  }
  return "tcp";
}

std::string_view needs_name(Needs needs) {
  switch (needs) {
    case Needs::loopback:
      return "loopback";
    case Needs::firewall:
      return "firewall";
    case Needs::route:
      return "route";
    case Needs::namespace_:
      return "namespace";
  }
  return "loopback";
}

Stage stage_scenario(const Scenario& sc, sandbox::Firewall& firewall) {
  Stage st;
  st.settle = sc.settle;
  st.wait = sc.min_wait;
  sc.stage(sc, st);
  if (!st.skip.empty() || sc.firewall_verdict.empty()) return st;
  std::string command, error;
  if (!firewall.add(sc.family == AF_INET6, st.target.port(), sc.firewall_verdict, command, error)) {
    st.skip = "no firewall rule: " + error;
    return st;
  }
  st.setup += "; " + command;
  return st;
}

void restore(const Stage& st) {
  if (st.restore_port_range.empty()) return;
  std::string ignored;
  sandbox::write_sysctl(kPortRange, st.restore_port_range, ignored);
}

Endpoint loopback_of(int af, std::uint16_t port) {
  auto ep = af == AF_INET6 ? parse_ipv6("::1", port) : parse_ipv4("127.0.0.1", port);
  return ep ? *ep : Endpoint();
}

Endpoint local_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

// Held bound (but not listening) so that no socket of ours is given it as its ephemeral source
// port: a connect to it always meets an RST, never itself.
std::optional<Socket> reserve_port(int af, std::uint16_t& port, std::string& error) {
  Socket s(::socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0));
  Endpoint any = loopback_of(af, 0);
  if (!s || ::bind(s.get(), any.data(), any.size()) != 0) {
    error = std::string("cannot reserve a loopback port: ") + std::strerror(errno);
    return std::nullopt;
  }
  port = local_address(s.get()).port();
  return s;
}

}  // namespace nbc::lab
