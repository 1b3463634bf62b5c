// The lab's UDP scenarios, with plain system calls on loopback: what a connected UDP socket says
// after a probe meets a closed port, a responder, a firewall's ICMP or silence (the error shows on
// the call after the send); what connect() does to the socket's peer (re-association, AF_UNSPEC,
// datagrams from others); and how many ICMP errors the kernel's rate limit lets through.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/errqueue.h>

#include <cmath>
#include <cstring>
#include <thread>

#include "lab/probe.hpp"

namespace nbc::lab {
namespace {

using namespace std::chrono_literals;

Socket udp_socket() {
  return Socket(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
}

// A socket bound to 127.0.0.1 (port 0: any).
Socket udp_bound(std::uint16_t port = 0) {
  Socket s = udp_socket();
  Endpoint ep = loopback_of(AF_INET, port);
  if (!s || ::bind(s.get(), ep.data(), ep.size()) != 0) return Socket();
  return s;
}

// A loopback UDP port that nobody uses, below the ephemeral range so that no socket of ours is
// given it: the first free one from `from` on.
std::uint16_t closed_udp_port(std::uint16_t from) {
  for (std::uint16_t p = from; p < from + 500; ++p) {
    if (udp_bound(p)) return p;  // bound and at once closed again: free
  }
  return 0;
}

// poll() for one socket, bounded; the events seen ("" when none came).
std::string wait_events(int fd, short events, std::chrono::milliseconds wait,
                        double* us = nullptr) {
  pollfd p{fd, events, 0};
  auto start = Clock::now();
  int n = ::poll(&p, 1, static_cast<int>(wait.count()));
  if (us) *us = micros(Clock::now() - start);
  return n > 0 ? events_text(p.revents) : "";
}

std::string address_text(const sockaddr_storage& ss, socklen_t len) {
  return Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), len).to_string();
}

Record skipped(const std::string& why) {
  return {{"skipped", why}};
}

// Answers every datagram on `s` with the same bytes until `stop` becomes readable.
std::thread responder(int s, int stop) {
  return std::thread([s, stop] {
    for (int i = 0; i < 10000; ++i) {
      pollfd fds[2] = {{s, POLLIN, 0}, {stop, POLLIN, 0}};
      if (::poll(fds, 2, 10000) <= 0 || fds[1].revents) return;
      char buf[512];
      sockaddr_storage from{};
      socklen_t len = sizeof from;
      ssize_t n = ::recvfrom(s, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n >= 0)
        ::sendto(s, buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  });
}

// One probe socket: connect() to the target, send a one-byte probe, wait for POLLIN (POLLERR is
// always reported) at most `wait`.
struct UdpProbe {
  Socket fd;
  Call connect;
  Call send;
  std::string events;
  double waited_us = 0;
};

// Starts a probe; with `recverr`, the socket asks for every ICMP error (IP_RECVERR).
UdpProbe start_probe(const Endpoint& target, bool recverr) {
  UdpProbe p;
  p.fd = udp_socket();
  int on = 1;
  if (recverr) ::setsockopt(p.fd.get(), SOL_IP, IP_RECVERR, &on, sizeof on);
  p.connect = timed([&] { return ::connect(p.fd.get(), target.data(), target.size()); });
  p.send = timed([&] { return ::send(p.fd.get(), "x", 1, 0); });
  return p;
}

// Waits for all the probes together, each until its first event or the end of the wait.
void wait_probes(std::vector<UdpProbe>& probes, std::chrono::milliseconds wait) {
  auto start = Clock::now();
  auto deadline = start + wait;
  std::vector<bool> done(probes.size(), false);
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<size_t> index;
    for (size_t i = 0; i < probes.size(); ++i) {
      if (done[i]) continue;
      fds.push_back({probes[i].fd.get(), POLLIN, 0});
      index.push_back(i);
    }
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
    if (fds.empty() || left.count() <= 0) break;
    int n = ::poll(fds.data(), fds.size(), static_cast<int>((left.count() + 999) / 1000));
    if (n < 0 && errno != EINTR) break;
    for (size_t k = 0; n > 0 && k < fds.size(); ++k) {
      if (!fds[k].revents) continue;
      done[index[k]] = true;
      probes[index[k]].events = events_text(fds[k].revents);
      probes[index[k]].waited_us = micros(Clock::now() - start);
    }
  }
  for (size_t i = 0; i < probes.size(); ++i) {
    if (!done[i]) probes[i].waited_us = micros(Clock::now() - start);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// A probe and what comes back

Record measure_udp(const Scenario& sc, sandbox::Firewall& firewall,
                   std::chrono::milliseconds wait) {
  const std::string v(sc.variant);
  std::uint16_t port = closed_udp_port(static_cast<std::uint16_t>(
      20000 + 20 * (&sc - scenarios().data())));  // apart for each scenario: rules stay
  if (port == 0) return skipped("no free UDP port on loopback");
  Endpoint target = loopback_of(AF_INET, port);
  std::string setup = "no UDP socket on " + target.to_string();
  if (!sc.firewall_verdict.empty()) {
    std::string command, error;
    if (!firewall.add(false, port, sc.firewall_verdict, command, error, "udp")) {
      return skipped("no firewall rule: " + error);
    }
    setup += "; " + command;
  }

  // Started after the last early return: a running thread must be joined.
  Socket server;
  int stop[2] = {-1, -1};
  std::thread thread;
  if (v == "responder") {
    server = udp_bound(port);
    if (!server || ::pipe2(stop, O_CLOEXEC) != 0) return skipped("cannot start a UDP responder");
    thread = responder(server.get(), stop[0]);
    setup = "a UDP socket on " + target.to_string() + " answers every datagram";
  }
  Record steps = Record::object();
  // Each 2nd call on a socket of its own: recv(), send() and SO_ERROR all consume the error. The
  // four probes go out together and are waited for together.
  const bool recverr = v == "recverr";
  std::vector<UdpProbe> probes;
  for (int i = 0; i < 4; ++i) probes.push_back(start_probe(target, recverr));
  wait_probes(probes, wait);
  {
    UdpProbe& p = probes[0];
    steps["connect"] = call_json(p.connect);
    steps["send"] = call_json(p.send);
    steps["poll"] = {{"ret", p.events.empty() ? 0 : 1}, {"events", p.events}, {"us", p.waited_us}};
    char c;
    steps["recv"] = call_json(timed([&] { return ::recv(p.fd.get(), &c, 1, 0); }));
    steps["send-after-recv"] = call_json(timed([&] { return ::send(p.fd.get(), "x", 1, 0); }));
  }
  steps["send-2"] = call_json(timed([&] { return ::send(probes[1].fd.get(), "x", 1, 0); }));
  {
    int value = 0;
    socklen_t len = sizeof value;
    Record j = call_json(timed(
        [&] { return ::getsockopt(probes[2].fd.get(), SOL_SOCKET, SO_ERROR, &value, &len); }));
    j["value"] = value ? errno_json(value) : Record(0);
    steps["so-error"] = j;
  }
  {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    Call c = timed(
        [&] { return ::getpeername(probes[3].fd.get(), reinterpret_cast<sockaddr*>(&ss), &len); });
    Record j = call_json(c);
    if (c.ret == 0) j["peer"] = address_text(ss, len);
    steps["getpeername"] = j;
  }
  steps["ip_recverr"] = recverr;
  if (thread.joinable()) {
    ::write(stop[1], "x", 1);
    thread.join();
    ::close(stop[0]);
    ::close(stop[1]);
  }
  Record out;
  out["setup"] = setup;
  out["target"] = target.to_string();
  out["steps"] = std::move(steps);
  return out;
}

// ---------------------------------------------------------------------------------------------
// connect() and the peer

namespace {

// Every datagram waiting on `fd` (after a bounded wait for the first), by sender.
std::vector<std::string> received_from(int fd, std::chrono::milliseconds wait) {
  std::vector<std::string> from;
  wait_events(fd, POLLIN, wait);
  for (int i = 0; i < 16; ++i) {
    char buf[64];
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ssize_t n =
        ::recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&ss), &len);
    if (n < 0) break;
    from.push_back(address_text(ss, len));
  }
  return from;
}

}  // namespace

Record measure_udp_peers(const Scenario& sc, sandbox::Firewall&, std::chrono::milliseconds wait) {
  const std::string v(sc.variant);
  Socket a = udp_bound(), b = udp_bound(), c = udp_bound(), probe = udp_bound();
  if (!a || !b || !c || !probe) return skipped(std::string("UDP sockets: ") + std::strerror(errno));
  Endpoint ea = local_address(a.get()), eb = local_address(b.get()), ec = local_address(c.get()),
           ep = local_address(probe.get());
  auto name = [&](const std::string& addr) {
    if (addr == ea.to_string()) return std::string("A");
    if (addr == eb.to_string()) return std::string("B");
    if (addr == ec.to_string()) return std::string("C");
    return addr;
  };
  auto names = [&](std::vector<std::string> list) {
    for (std::string& s : list) s = name(s);
    return list;
  };
  auto send_to_probe = [&](int from) { return ::sendto(from, "x", 1, 0, ep.data(), ep.size()); };
  Record steps = Record::object();
  std::string setup;
  if (v == "reassociate") {
    setup = "socket P connects to peer A, then to peer B; A and B each send P a datagram";
    steps["connect-a"] =
        call_json(timed([&] { return ::connect(probe.get(), ea.data(), ea.size()); }));
    steps["connect-b"] =
        call_json(timed([&] { return ::connect(probe.get(), eb.data(), eb.size()); }));
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    Call g =
        timed([&] { return ::getpeername(probe.get(), reinterpret_cast<sockaddr*>(&ss), &len); });
    Record gj = call_json(g);
    if (g.ret == 0) gj["peer"] = name(address_text(ss, len));
    steps["getpeername"] = gj;
    send_to_probe(a.get());
    send_to_probe(b.get());
    steps["received-from"] = names(received_from(probe.get(), wait));
    steps["send"] = call_json(timed([&] { return ::send(probe.get(), "x", 1, 0); }));
    std::vector<std::string> got;
    for (const auto& [peer, label] : {std::pair{a.get(), "A"}, std::pair{b.get(), "B"}}) {
      if (!received_from(peer, 0ms).empty()) got.push_back(label);
    }
    // B has it at once (loopback delivers within send()): A gets no wait of its own.
    steps["send-reached"] = got;
  } else if (v == "unspec") {
    setup =
        "socket P, bound to a port of its own choosing, connects to peer A, then connect() "
        "with AF_UNSPEC; then C sends P a datagram. Q, bound to port 0, does the same";
    // P binds an explicit port: one bound to port 0 gives it up on AF_UNSPEC (Q below).
    std::uint16_t fixed = closed_udp_port(21000);
    probe = udp_bound(fixed);
    if (!probe) return skipped("cannot bind a UDP port");
    ep = local_address(probe.get());
    steps["connect-a"] =
        call_json(timed([&] { return ::connect(probe.get(), ea.data(), ea.size()); }));
    sockaddr unspec{};
    unspec.sa_family = AF_UNSPEC;
    steps["connect-unspec"] =
        call_json(timed([&] { return ::connect(probe.get(), &unspec, sizeof unspec); }));
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    steps["getpeername"] = call_json(
        timed([&] { return ::getpeername(probe.get(), reinterpret_cast<sockaddr*>(&ss), &len); }));
    steps["send"] = call_json(timed([&] { return ::send(probe.get(), "x", 1, 0); }));
    send_to_probe(c.get());
    steps["received-from"] = names(received_from(probe.get(), wait));
    Socket q = udp_bound();
    ::connect(q.get(), ea.data(), ea.size());
    ::connect(q.get(), &unspec, sizeof unspec);
    steps["port-0-socket-port-after"] = local_address(q.get()).port();
  } else if (v == "foreign") {
    setup =
        "socket P connects to peer A; C (itself connected to P) sends P a datagram, then A does";
    steps["connect-a"] =
        call_json(timed([&] { return ::connect(probe.get(), ea.data(), ea.size()); }));
    ::connect(c.get(), ep.data(), ep.size());
    steps["c-send"] = call_json(timed([&] { return ::send(c.get(), "x", 1, 0); }));
    send_to_probe(a.get());
    steps["received-from"] = names(received_from(probe.get(), wait));
    // What C hears back: P's port does not take C's datagram, so C is told the port is closed.
    steps["c-poll"] = wait_events(c.get(), POLLIN, wait);
    char ch;
    steps["c-recv"] = call_json(timed([&] { return ::recv(c.get(), &ch, 1, 0); }));
  }
  Record out;
  out["setup"] = setup;
  out["target"] = "P " + ep.to_string() + ", A " + ea.to_string() + ", B " + eb.to_string() +
                  ", C " + ec.to_string();
  out["steps"] = std::move(steps);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The ICMP rate limit

namespace {

const char* const kIcmpSysctls[] = {"icmp_msgs_per_sec", "icmp_msgs_burst", "icmp_ratelimit",
                                    "icmp_ratemask"};

std::string sysctl_path(const char* name) {
  return std::string("/proc/sys/net/ipv4/") + name;
}

// Reads every ICMP error queued on `fd` (IP_RECVERR) without waiting; counts ECONNREFUSED.
int drain_errors(int fd) {
  int refused = 0;
  for (int i = 0; i < 100000; ++i) {
    char data[64];
    char control[512];
    iovec iov{data, sizeof data};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (::recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) break;
    for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
      if (cm->cmsg_level != SOL_IP || cm->cmsg_type != IP_RECVERR) continue;
      sock_extended_err ee{};
      std::memcpy(&ee, CMSG_DATA(cm), sizeof ee);
      if (ee.ee_errno == ECONNREFUSED) ++refused;
    }
  }
  return refused;
}

// Sends `count` probes to a closed port, `per_second` apart (0: as fast as it can), and counts
// the ECONNREFUSED that come back, listening until 100 ms pass without one (at most 2 s).
Record burst(const Endpoint& target, int count, int per_second) {
  Record j;
  Socket s = udp_socket();
  int on = 1;
  int big = 8 << 20;
  ::setsockopt(s.get(), SOL_IP, IP_RECVERR, &on, sizeof on);
  ::setsockopt(s.get(), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  int refused = 0, sent = 0;
  auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    if (per_second > 0) {
      // Pacing, not waiting for an event: the probe times are the experiment.
      auto due = start + std::chrono::microseconds(1000000LL * i / per_second);
      std::this_thread::sleep_until(due);
    }
    if (::sendto(s.get(), "", 0, 0, target.data(), target.size()) == 0) ++sent;
    refused += drain_errors(s.get());
  }
  auto sent_at = Clock::now();
  auto limit = sent_at + 2s;
  for (auto quiet = Clock::now() + 100ms; Clock::now() < std::min(quiet, limit);) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(std::min(quiet, limit) -
                                                                      Clock::now());
    if (wait_events(s.get(), 0, std::max(left, 1ms)).empty()) continue;
    refused += drain_errors(s.get());
    quiet = Clock::now() + 100ms;
  }
  j["probes"] = count;
  j["sent"] = sent;
  j["per_second"] = per_second;
  j["send_ms"] = std::round(micros(sent_at - start) / 100.0) / 10.0;
  j["refused"] = refused;
  j["listened_ms"] = std::round(micros(Clock::now() - start) / 100.0) / 10.0;
  return j;
}

Record sysctls() {
  Record j;
  for (const char* name : kIcmpSysctls) j[name] = sandbox::read_sysctl(sysctl_path(name));
  return j;
}

// Runs a tool, in the namespace `ns` when it is not -1 (then back to `own`); "" or why it failed.
std::string run_in(int ns, int own, const std::vector<std::string>& argv) {
  if (ns >= 0 && ::setns(ns, CLONE_NEWNET) != 0)
    return std::string("setns: ") + std::strerror(errno);
  sandbox::RunResult r = sandbox::run_program(argv, 10s);
  if (ns >= 0) ::setns(own, CLONE_NEWNET);
  return r.succeeded() ? "" : sandbox::failure_text(argv, r);
}

bool write_sysctl_in(int ns, int own, const char* name, const std::string& value) {
  if (::setns(ns, CLONE_NEWNET) != 0) return false;
  std::string ignored;
  bool ok = sandbox::write_sysctl(sysctl_path(name), value, ignored);
  ::setns(own, CLONE_NEWNET);
  return ok;
}

// The peer namespace across a veth pair: a child that only exists until `go` is closed.
pid_t start_peer(int ready[2], int go[2]) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::close(ready[0]);
  ::close(go[1]);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  std::string error = sandbox::enter_private_netns(false);
  char c = error.empty() ? 'y' : 'n';
  if (::write(ready[1], &c, 1) != 1) ::_exit(1);
  ::read(go[0], &c, 1);  // returns when the measuring process closes or dies
  ::_exit(0);
}

// In a child in fresh namespaces of its own, whose ICMP limits are the kernel's defaults: first
// over loopback, then to a peer namespace across a veth pair, as a remote host would answer.
Record rate_runs() {
  Record out;
  std::string error = sandbox::enter_private_netns(false);
  if (!error.empty()) return {{"error", error}};
  out["defaults"] = sysctls();
  Record runs = Record::array();
  auto add = [&](Record run, const std::string& path, const std::string& limits) {
    run["path"] = path;
    run["limits"] = limits;
    runs.push_back(std::move(run));
  };
  add(burst(loopback_of(AF_INET, closed_udp_port(30000)), 3000, 0), "loopback", "defaults");

  int ready[2], go[2];
  if (::pipe2(ready, O_CLOEXEC) != 0 || ::pipe2(go, O_CLOEXEC) != 0) return {{"error", "pipe"}};
  pid_t peer = start_peer(ready, go);
  ::close(ready[1]);
  ::close(go[0]);
  auto finish = [&](Record result) {
    ::close(go[1]);
    int status = 0;
    if (peer > 0) ::waitpid(peer, &status, 0);
    return result;
  };
  pollfd pf{ready[0], POLLIN, 0};
  char c = 'n';
  if (peer < 0 || ::poll(&pf, 1, 5000) != 1 || ::read(ready[0], &c, 1) != 1 || c != 'y') {
    return finish({{"error", "the peer namespace did not start"}});
  }
  int own = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  int theirs = ::open(("/proc/" + std::to_string(peer) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
  if (own < 0 || theirs < 0) return finish({{"error", "cannot open the namespaces"}});
  const std::vector<std::pair<int, std::vector<std::string>>> commands = {
      {-1,
       {"ip", "link", "add", "nblab0", "address", "02:00:00:00:00:01", "type", "veth", "peer",
        "name", "nblab1", "address", "02:00:00:00:00:02", "netns", std::to_string(peer)}},
      {-1, {"ip", "addr", "add", "10.99.0.1/24", "dev", "nblab0"}},
      {-1, {"ip", "link", "set", "nblab0", "up"}},
      {-1,
       {"ip", "neigh", "replace", "10.99.0.2", "lladdr", "02:00:00:00:00:02", "dev", "nblab0",
        "nud", "permanent"}},
      {theirs, {"ip", "addr", "add", "10.99.0.2/24", "dev", "nblab1"}},
      {theirs, {"ip", "link", "set", "nblab1", "up"}},
      {theirs,
       {"ip", "neigh", "replace", "10.99.0.1", "lladdr", "02:00:00:00:00:01", "dev", "nblab1",
        "nud", "permanent"}},
  };
  for (const auto& [ns, argv] : commands) {
    if (std::string why = run_in(ns, own, argv); !why.empty()) {
      return finish({{"error", "veth set-up: " + why}});
    }
  }
  // Nothing listens in the peer namespace: every UDP port there is closed.
  Endpoint remote = *parse_ipv4("10.99.0.2", 30000);
  add(burst(remote, 3000, 0), "veth", "defaults");
  write_sysctl_in(theirs, own, "icmp_ratelimit", "0");
  add(burst(remote, 3000, 0), "veth", "icmp_ratelimit=0");
  add(burst(remote, 1000, 2000), "veth", "icmp_ratelimit=0");
  ::close(own);
  ::close(theirs);
  out["runs"] = std::move(runs);
  return finish(out);
}

}  // namespace

Record measure_udp_rate(const Scenario&, sandbox::Firewall&, std::chrono::milliseconds) {
  sandbox::ChildResult child = sandbox::run_in_child([] { return rate_runs().dump(); }, 15s);
  if (child.timed_out) return skipped("the rate measurement did not finish in 15 s");
  if (!child.error.empty()) return skipped(child.error);
  Record j = Record::parse(child.text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return skipped("no figures from the rate measurement");
  if (j.contains("error")) return skipped(j["error"].get<std::string>());
  Record out;
  out["setup"] =
      "fresh network namespaces with the kernel's default ICMP limits; one unconnected UDP "
      "socket with IP_RECVERR sends empty datagrams to a closed port, on 127.0.0.1 or on a "
      "peer namespace across a veth pair (10.99.0.2), and counts the ECONNREFUSED on its "
      "error queue";
  out["target"] = "127.0.0.1 and 10.99.0.2 (closed UDP ports)";
  out["steps"] = std::move(j);
  return out;
}

}  // namespace nbc::lab
