// The lab's measuring half. It runs in a child process of its own, which first moves into a
// private network namespace (only loopback, brought up here), so that firewall rules and routes
// touch nothing outside. Every step is a plain system call, not the library, so the record shows
// exactly what the kernel said; the library is then run over the same scenario with every
// detection method and every poller, and compared with what a correct program must report.
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

#include "lab.hpp"
#include "nbconnect/nbconnect.hpp"

extern char** environ;

namespace nbc::cli::lab {
namespace {

using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// Small helpers

double micros(Clock::duration d) {
  double us = std::chrono::duration<double, std::micro>(d).count();
  return std::round(us * 10.0) / 10.0;
}

Record errno_json(int err) {
  std::string_view name = errno_name(err);
  if (name.empty()) return err ? Record("errno-" + std::to_string(err)) : Record(nullptr);
  return std::string(name);
}

// The result of one system call: its return value, errno when it failed, and how long it took.
struct Call {
  long ret = 0;
  int err = 0;
  double us = 0;
};

template <typename F>
Call timed(F&& f) {
  errno = 0;
  auto start = Clock::now();
  long ret = static_cast<long>(f());
  int err = errno;
  auto took = Clock::now() - start;
  return {ret, ret < 0 ? err : 0, micros(took)};
}

Record call_json(const Call& c) {
  Record j;
  j["ret"] = c.ret;
  j["errno"] = c.ret < 0 ? errno_json(c.err) : Record(nullptr);
  j["us"] = c.us;
  return j;
}

Endpoint loopback_of(int af, std::uint16_t port) {
  auto ep = af == AF_INET6 ? parse_ipv6("::1", port) : parse_ipv4("127.0.0.1", port);
  return ep ? *ep : Endpoint();
}

Endpoint loopback4(std::uint16_t port) {
  auto ep = parse_ipv4("127.0.0.1", port);
  return ep ? *ep : Endpoint();
}

Endpoint local_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

std::string events_text(short revents) {
  std::string out;
  auto add = [&](short bit, const char* name) {
    if (!(revents & bit)) return;
    if (!out.empty()) out += '|';
    out += name;
  };
  add(POLLIN, "IN");
  add(POLLOUT, "OUT");
  add(POLLERR, "ERR");
  add(POLLHUP, "HUP");
  return out;
}

// ---------------------------------------------------------------------------------------------
// External commands (iptables, nft, ip): found on PATH or in the sbin directories, which a
// non-root PATH often lacks; run without a shell, output captured, killed after a time limit.

std::string find_program(const std::string& name) {
  std::string dirs;
  if (const char* path = std::getenv("PATH")) dirs = path;
  dirs += ":/usr/sbin:/sbin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (!dir.empty()) {
      std::string candidate = dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    start = end + 1;
  }
  return {};
}

struct CommandResult {
  int status = -1;  // exit status, -1 when it could not run or was killed
  std::string output;
};

CommandResult run_command(const std::vector<std::string>& argv) {
  CommandResult result;
  std::string program = find_program(argv.at(0));
  if (program.empty()) {
    result.output = argv[0] + ": not found";
    return result;
  }
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    result.output = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, out[1], 2);
  std::vector<char*> args;
  args.push_back(program.data());
  for (size_t i = 1; i < argv.size(); ++i) args.push_back(const_cast<char*>(argv[i].c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    result.output = program + ": " + std::strerror(rc);
    return result;
  }
  auto deadline = Clock::now() + std::chrono::seconds(10);
  char buf[4096];
  bool killed = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      killed = true;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()) + 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    ssize_t got = ::read(out[0], buf, sizeof buf);
    if (got <= 0) break;
    if (result.output.size() < 16384) result.output.append(buf, static_cast<size_t>(got));
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!killed && WIFEXITED(status)) result.status = WEXITSTATUS(status);
  while (!result.output.empty() && (result.output.back() == '\n' || result.output.back() == ' ')) {
    result.output.pop_back();
  }
  if (killed) result.output += " (killed after 10 s)";
  return result;
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    out += a.find(' ') == std::string::npos ? a : "'" + a + "'";
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The namespace and the firewall

// Moves this process into a new network namespace and brings loopback up. Returns "" or why not.
std::string enter_namespace() {
  if (::unshare(CLONE_NEWNET) != 0) {
    return std::string("unshare(CLONE_NEWNET) failed: ") + std::string(errno_name(errno)) + " (" +
           std::strerror(errno) + ")";
  }
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return std::string("socket() for loopback set-up: ") + std::strerror(errno);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  std::string error;
  if (::ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
    error = std::string("SIOCGIFFLAGS on lo: ") + std::strerror(errno);
  } else {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (::ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
      error = std::string("cannot bring lo up: ") + std::strerror(errno);
    }
  }
  ::close(s);
  if (!error.empty()) return error;
  // ICMP errors are rate-limited (1000/s, burst 50): a scenario sends a few dozen SYNs at once,
  // and an unreachable that the limit swallowed would read as no answer. Best effort: the
  // namespace is ours, and the limits are per namespace.
  for (const auto& [path, value] : {std::pair{"/proc/sys/net/ipv4/icmp_msgs_per_sec", "1000000"},
                                    std::pair{"/proc/sys/net/ipv4/icmp_msgs_burst", "1000000"},
                                    std::pair{"/proc/sys/net/ipv4/icmp_ratelimit", "0"}}) {
    int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) continue;
    if (::write(fd, value, std::strlen(value)) < 0) {
      // Left at its default: the scenarios send few enough SYNs to stay within the burst.
    }
    ::close(fd);
  }
  return {};
}

// Rules on the namespace's INPUT path, through iptables or, when that is missing or refuses,
// through nft. The first tool that works is kept for the whole run.
class Firewall {
 public:
  explicit Firewall(std::string preference) : preference_(std::move(preference)) {}

  // Adds a rule for TCP packets to `port`. verdict: drop, icmp-host-unreachable,
  // icmp-net-unreachable, icmp-admin-prohibited, tcp-reset. Returns the command or throws the
  // reason as a string through `error`.
  bool add(int af, std::uint16_t port, std::string_view verdict, std::string& command,
           std::string& error) {
    std::vector<std::string> tools;
    if (tool_.empty()) {
      if (preference_ == "auto" || preference_ == "iptables") tools.push_back("iptables");
      if (preference_ == "auto" || preference_ == "nft") tools.push_back("nft");
    } else {
      tools.push_back(tool_);
    }
    std::string why;
    for (const std::string& tool : tools) {
      bool v6 = af == AF_INET6;
      std::vector<std::string> argv =
          tool == "iptables" ? iptables_rule(v6, port, verdict) : nft_rule(v6, port, verdict);
      if (tool == "nft" && !nft_ready_[v6] && !prepare_nft(v6, why)) continue;
      CommandResult r = run_command(argv);
      if (r.status == 0) {
        if (tool_.empty()) {
          tool_ = tool;
          version_ = first_line(run_command({tool, "--version"}).output);
        }
        command = joined(argv);
        return true;
      }
      if (!why.empty()) why += "; ";
      why += joined(argv) + ": " + (r.output.empty() ? "failed" : first_line(r.output));
    }
    error = why.empty() ? "no firewall tool allowed" : why;
    return false;
  }

  const std::string& version() const { return version_; }

 private:
  // The ICMPv6 counterpart of an ICMP verdict, in iptables' and nft's words.
  static std::string_view v6_type(std::string_view verdict, bool nft) {
    if (verdict == "icmp-admin-prohibited")
      return nft ? "admin-prohibited" : "icmp6-adm-prohibited";
    if (verdict == "icmp-net-unreachable") return nft ? "no-route" : "icmp6-no-route";
    return nft ? "addr-unreachable" : "icmp6-addr-unreachable";
  }

  static std::vector<std::string> iptables_rule(bool v6, std::uint16_t port,
                                                std::string_view verdict) {
    std::vector<std::string> argv = {
        v6 ? "ip6tables" : "iptables", "-w", "-A", "INPUT", "-p", "tcp", "--dport",
        std::to_string(port),          "-j"};
    if (verdict == "drop") {
      argv.push_back("DROP");
    } else {
      std::string with(v6 && verdict != "tcp-reset" ? v6_type(verdict, false) : verdict);
      argv.insert(argv.end(), {"REJECT", "--reject-with", with});
    }
    return argv;
  }

  static std::vector<std::string> nft_rule(bool v6, std::uint16_t port, std::string_view verdict) {
    std::vector<std::string> argv = {"nft",   "add", "rule",  v6 ? "ip6" : "ip",   "nbconnect_lab",
                                     "input", "tcp", "dport", std::to_string(port)};
    if (verdict == "drop") {
      argv.push_back("drop");
    } else if (verdict == "tcp-reset") {
      argv.insert(argv.end(), {"reject", "with", "tcp", "reset"});
    } else if (v6) {
      argv.insert(argv.end(),
                  {"reject", "with", "icmpv6", "type", std::string(v6_type(verdict, true))});
    } else {
      std::string type(verdict.substr(verdict.find('-') + 1));  // "host-unreachable", ...
      argv.insert(argv.end(), {"reject", "with", "icmp", "type", type});
    }
    return argv;
  }

  bool prepare_nft(bool v6, std::string& why) {
    std::string family = v6 ? "ip6" : "ip";
    for (const std::vector<std::string>& argv :
         {std::vector<std::string>{"nft", "add", "table", family, "nbconnect_lab"},
          std::vector<std::string>{"nft", "add", "chain", family, "nbconnect_lab", "input",
                                   "{ type filter hook input priority 0 ; policy accept ; }"}}) {
      CommandResult r = run_command(argv);
      if (r.status != 0) {
        if (!why.empty()) why += "; ";
        why += joined(argv) + ": " + (r.output.empty() ? "failed" : first_line(r.output));
        return false;
      }
    }
    nft_ready_[v6] = true;
    return true;
  }

  std::string preference_;
  std::string tool_;
  std::string version_;
  bool nft_ready_[2] = {false, false};  // per family: ip, ip6
};

// ---------------------------------------------------------------------------------------------
// Staging

constexpr const char* kPortRange = "/proc/sys/net/ipv4/ip_local_port_range";

std::string read_small_file(const char* path) {
  std::string out;
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n > 0) out.assign(buf, static_cast<size_t>(n));
  ::close(fd);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

bool write_small_file(const char* path, const std::string& text, std::string& error) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (!ok) error = std::string("cannot write ") + path + ": " + std::strerror(errno);
  if (fd >= 0) ::close(fd);
  return ok;
}

struct Stage {
  std::vector<Socket> held;  // listeners, queued connections, reserved ports: kept to the end
  Endpoint target;
  bool self_connect = false;          // every socket binds a port of its own and connects to it
  std::string setup;                  // what was staged, for the record
  std::string skip;                   // non-empty: the scenario could not be staged
  std::string restore_port_range;     // ip_local_port_range to put back after the scenario
  bool settle = false;                // wait for the end of the connect, not for its first event
  std::chrono::milliseconds wait{0};  // this scenario's own wait (0: the configured one)
};

// A port that nobody listens on, held bound (but not listening) so that no socket of ours is
// given it as its ephemeral source port: a connect to it always meets an RST, never itself.
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

// Fills the accept queue of a listener with backlog 0: one connection that is never accepted.
// Waits (bounded) until the kernel has queued it, which the listener shows by turning readable.
bool fill_backlog(Stage& stage, int listener, std::string& error) {
  Socket filler(::socket(stage.target.af(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!filler) {
    error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  int r = ::connect(filler.get(), stage.target.data(), stage.target.size());
  if (r != 0 && errno != EINPROGRESS) {
    error = std::string("the filling connect failed: ") + std::strerror(errno);
    return false;
  }
  pollfd p{listener, POLLIN, 0};
  if (::poll(&p, 1, 2000) != 1) {
    error = "the filling connection never reached the accept queue";
    return false;
  }
  stage.held.push_back(std::move(filler));
  return true;
}

Stage stage_scenario(const Scenario& sc, Firewall& firewall) {
  Stage st;
  std::string error;
  auto hold = [&](std::optional<Socket> s) {
    if (!s) {
      st.skip = error;
      return false;
    }
    st.held.push_back(std::move(*s));
    return true;
  };
  std::uint16_t port = 0;
  std::string_view name = sc.name;
  int af = name.ends_with("-v6") ? AF_INET6 : AF_INET;

  if (name == "icmp-after-retransmit" || name == "icmp-admin-prohibited-v6") {
    // The first ICMP comes while connect() still holds the socket (a soft error); the one
    // answering the SYN retransmitted after 1 s finds it free and ends the connect, as an ICMP
    // from across a network does. So this scenario waits for the end of the connect.
    st.settle = true;
    st.wait = std::chrono::milliseconds(1500);
  }
  if (name == "listening" || name == "tcp-reset") {
    if (!hold(make_listener(af, 128, port, error))) return st;
    st.target = loopback_of(af, port);
    st.setup = "a listener on " + st.target.to_string();
  } else if (name == "backlog-full") {
    if (!hold(make_listener(af, 0, port, error))) return st;
    st.target = loopback4(port);
    if (!fill_backlog(st, st.held.front().get(), error)) {
      st.skip = error;
      return st;
    }
    st.setup = "a listener on " + st.target.to_string() +
               " with listen(fd, 0) and one connection queued that is never accepted";
  } else if (name == "ports-exhausted") {
    // The namespace's ephemeral range shrinks to one port, and one connection to the listener
    // holds it: the next connect() to the same destination has no source port left.
    if (!hold(make_listener(af, 128, port, error))) return st;
    st.target = loopback4(port);
    std::string old = read_small_file(kPortRange);
    if (old.empty() || !write_small_file(kPortRange, "61000 61000", error)) {
      st.skip = error.empty() ? std::string("cannot read ") + kPortRange : error;
      return st;
    }
    st.restore_port_range = old;
    Socket holder(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    ::connect(holder.get(), st.target.data(), st.target.size());
    pollfd p{holder.get(), POLLOUT, 0};
    int value = -1;
    socklen_t len = sizeof value;
    if (::poll(&p, 1, 2000) != 1 ||
        ::getsockopt(holder.get(), SOL_SOCKET, SO_ERROR, &value, &len) != 0 || value != 0) {
      st.skip = "the connection meant to hold the only ephemeral port did not connect";
      return st;
    }
    st.held.push_back(std::move(holder));
    st.setup =
        "ip_local_port_range 61000 61000; one connection from 127.0.0.1:61000 to the "
        "listener on " +
        st.target.to_string();
  } else if (name == "self-connect") {
    st.self_connect = true;
    st.setup = "each socket binds 127.0.0.1:P and connects to 127.0.0.1:P";
    return st;
  } else if (name == "no-route") {
    st.target = *parse_ipv4("192.0.2.1", 80);
    st.setup = "192.0.2.1 (TEST-NET-1): the namespace has no route to it (only lo exists)";
    return st;
  } else if (name.starts_with("route-")) {
    struct RouteKind {
      std::string_view scenario, type, prefix, address;
    };
    static constexpr RouteKind kinds[] = {
        {"route-prohibit", "prohibit", "198.51.100.0/25", "198.51.100.1"},
        {"route-unreachable", "unreachable", "203.0.113.0/24", "203.0.113.1"},
        {"route-blackhole", "blackhole", "198.51.100.128/25", "198.51.100.129"},
    };
    for (const RouteKind& k : kinds) {
      if (k.scenario != name) continue;
      std::vector<std::string> argv = {"ip", "route", "add", std::string(k.type),
                                       std::string(k.prefix)};
      CommandResult r = run_command(argv);
      if (r.status != 0) {
        st.skip = joined(argv) + ": " + (r.output.empty() ? "failed" : first_line(r.output));
        return st;
      }
      st.target = *parse_ipv4(k.address, 80);
      st.setup = joined(argv);
    }
    return st;
  } else {
    // nothing-listening and the firewall scenarios: a port with no listener.
    if (!hold(reserve_port(af, port, error))) return st;
    st.target = loopback_of(af, port);
    st.setup = "no listener on " + st.target.to_string();
  }

  static constexpr std::pair<std::string_view, std::string_view> verdicts[] = {
      {"syn-dropped", "drop"},
      {"icmp-host-unreachable", "icmp-host-unreachable"},
      {"icmp-net-unreachable", "icmp-net-unreachable"},
      {"icmp-admin-prohibited", "icmp-admin-prohibited"},
      {"icmp-after-retransmit", "icmp-host-unreachable"},
      {"icmp-admin-prohibited-v6", "icmp-admin-prohibited"},
      {"tcp-reset", "tcp-reset"},
  };
  for (const auto& [scenario, verdict] : verdicts) {
    if (scenario != name) continue;
    std::string command;
    if (!firewall.add(af, port, verdict, command, error)) {
      st.skip = "no firewall rule: " + error;
      return st;
    }
    st.setup += "; " + command;
  }
  return st;
}

// A fresh non-blocking socket for one probe, and the address it connects to. For self-connect
// it binds an ephemeral loopback port and connects to that same port.
int open_probe(const Stage& st, Endpoint& target, int& err) {
  int fd = ::socket(st.self_connect ? AF_INET : st.target.af(),
                    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = errno;
    return -1;
  }
  // Closing with RST leaves no TIME_WAIT behind and no half-open connection at a listener.
  linger lg{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  target = st.target;
  if (st.self_connect) {
    Endpoint any = loopback4(0);
    if (::bind(fd, any.data(), any.size()) != 0) {
      err = errno;
      ::close(fd);
      return -1;
    }
    target = local_address(fd);
  }
  return fd;
}

// ---------------------------------------------------------------------------------------------
// Waiting

struct Probe {
  int fd = -1;
  Endpoint target;
  Clock::time_point started{};
  short revents = 0;
  double ready_us = -1;  // -1: not ready before the wait ended
};

// Waits until every probe's socket reports an event or the wait ends. Bounded by the deadline.
void wait_first_event(std::vector<Probe>& probes, std::chrono::milliseconds wait) {
  auto deadline = Clock::now() + wait;
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<Probe*> owners;
    for (Probe& p : probes) {
      if (p.fd >= 0 && p.ready_us < 0) {
        fds.push_back({p.fd, POLLIN | POLLOUT, 0});
        owners.push_back(&p);
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
    if (fds.empty() || left.count() <= 0) return;
    int ms = static_cast<int>((left.count() + 999) / 1000);
    int n = ::poll(fds.data(), fds.size(), ms);
    auto now = Clock::now();
    if (n < 0 && errno != EINTR) return;
    for (size_t i = 0; n > 0 && i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      owners[i]->revents = fds[i].revents;
      owners[i]->ready_us = micros(now - owners[i]->started);
    }
  }
}

// Waits until every probe's connect has ended (OUT or HUP), not merely until its first event: a
// soft ICMP error raises ERR while the handshake goes on. Edge-triggered, so that a lasting ERR
// wakes us once per change instead of spinning. Bounded by the deadline.
void wait_settled(std::vector<Probe>& probes, std::chrono::milliseconds wait) {
  Socket ep(::epoll_create1(EPOLL_CLOEXEC));
  if (!ep) return wait_first_event(probes, wait);
  for (size_t i = 0; i < probes.size(); ++i) {
    if (probes[i].fd < 0) continue;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
    ev.data.u64 = i;
    ::epoll_ctl(ep.get(), EPOLL_CTL_ADD, probes[i].fd, &ev);
  }
  auto deadline = Clock::now() + wait;
  for (;;) {
    bool pending = false;
    for (const Probe& p : probes) pending |= p.fd >= 0 && p.ready_us < 0;
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
    if (!pending || left.count() <= 0) return;
    std::array<epoll_event, 16> events{};
    int n = ::epoll_wait(ep.get(), events.data(), static_cast<int>(events.size()),
                         static_cast<int>((left.count() + 999) / 1000));
    auto now = Clock::now();
    if (n < 0 && errno != EINTR) return;
    for (int i = 0; i < n; ++i) {
      Probe& p = probes.at(events[i].data.u64);
      // The EPOLL* bits used here have the values of their POLL* namesakes.
      p.revents = static_cast<short>(events[i].events & (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP));
      if (events[i].events & (EPOLLOUT | EPOLLHUP)) p.ready_us = micros(now - p.started);
    }
  }
}

void wait_ready(std::vector<Probe>& probes, std::chrono::milliseconds wait, bool settle) {
  if (settle) {
    wait_settled(probes, wait);
  } else {
    wait_first_event(probes, wait);
  }
}

// ---------------------------------------------------------------------------------------------
// The writer processes: whether a plain write() raises SIGPIPE can only be seen from outside.

struct WriteReport {
  long ret;
  int err;
  double us;
};

struct Writer {
  pid_t pid = -1;
  int fd = -1;  // read end of the report pipe
};

// Forks a process that connects, waits, optionally reads SO_ERROR, then calls plain write()
// `writes` times, reporting each result through a pipe before the next call.
Writer start_writer(const Stage& st, bool read_so_error_first, int writes,
                    std::chrono::milliseconds wait) {
  Writer w;
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return w;
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(p[0]);
    ::close(p[1]);
    return w;
  }
  if (pid == 0) {
    ::close(p[0]);
    // The default action, unblocked: exactly what a program that never thought of SIGPIPE has.
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
    Endpoint target;
    int err = 0;
    int fd = open_probe(st, target, err);
    if (fd < 0) ::_exit(3);
    std::vector<Probe> one(1);
    one[0].fd = fd;
    one[0].started = Clock::now();
    ::connect(fd, target.data(), target.size());
    wait_ready(one, wait, st.settle);
    if (read_so_error_first) {
      int value = 0;
      socklen_t len = sizeof value;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &len);
    }
    for (int i = 0; i < writes; ++i) {
      Call c = timed([&] { return ::write(fd, "x", 1); });
      WriteReport report{c.ret, c.err, c.us};
      if (::write(p[1], &report, sizeof report) != sizeof report) ::_exit(4);
    }
    ::_exit(0);
  }
  ::close(p[1]);
  w.pid = pid;
  w.fd = p[0];
  return w;
}

// Collects a writer's reports: one record per write, the last one "killed by SIGPIPE" when the
// signal ended the process before it could report.
std::vector<Record> finish_writer(Writer& w, int writes, std::chrono::milliseconds wait) {
  std::vector<Record> out;
  if (w.pid < 0) {
    for (int i = 0; i < writes; ++i) out.push_back({{"ret", nullptr}, {"error", "fork failed"}});
    return out;
  }
  std::vector<WriteReport> reports;
  auto deadline = Clock::now() + wait + std::chrono::seconds(5);
  bool killed = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      ::kill(w.pid, SIGKILL);
      killed = true;
      break;
    }
    pollfd p{w.fd, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()) + 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    WriteReport r{};
    ssize_t got = ::read(w.fd, &r, sizeof r);
    if (got != static_cast<ssize_t>(sizeof r)) break;
    reports.push_back(r);
  }
  ::close(w.fd);
  int status = 0;
  while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
  }
  int signal = WIFSIGNALED(status) && !killed ? WTERMSIG(status) : 0;
  for (int i = 0; i < writes; ++i) {
    Record j;
    if (i < static_cast<int>(reports.size())) {
      j = call_json({reports[i].ret, reports[i].err, reports[i].us});
      j["signal"] = nullptr;
    } else if (i == static_cast<int>(reports.size()) && signal != 0) {
      j["ret"] = nullptr;
      j["errno"] = nullptr;
      const char* name = sigabbrev_np(signal);
      j["signal"] = name ? std::string("SIG") + name : "signal " + std::to_string(signal);
    } else {
      j["ret"] = nullptr;
      j["errno"] = nullptr;
      if (killed) j["error"] = "the writer did not finish in time";
      j["reached"] = false;  // an earlier write() ended the process
    }
    out.push_back(std::move(j));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The raw steps

int read_so_error(int fd, Call& call) {
  int value = 0;
  socklen_t len = sizeof value;
  call = timed([&] { return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &len); });
  return value;
}

Record so_error_json(int fd) {
  Call c;
  int value = read_so_error(fd, c);
  Record j = call_json(c);
  j["value"] = value ? errno_json(value) : Record(0);
  return j;
}

Record raw_steps(const Stage& st, std::chrono::milliseconds wait) {
  Record steps = Record::object();

  // 1. connect() three times in a row on one socket, without waiting in between.
  {
    Endpoint target;
    int err = 0;
    int fd = open_probe(st, target, err);
    if (fd < 0) {
      steps["connect-1"] = {{"ret", nullptr}, {"error", std::strerror(err)}};
    } else {
      for (const char* key : {"connect-1", "connect-2", "connect-3"}) {
        steps[key] = call_json(timed([&] { return ::connect(fd, target.data(), target.size()); }));
      }
      ::close(fd);
    }
  }

  // 2. The writers run alongside, each on a socket of its own.
  Writer unread = start_writer(st, false, 2, wait);
  Writer after = start_writer(st, true, 1, wait);

  // 3. One socket per call after the wait, so that each call is the first one made after
  //    poll() reported the socket ready: none of them disturbs another (SO_ERROR and read()
  //    both consume the pending error, a connect() may start a new handshake).
  static constexpr std::array<const char*, 7> kInspections = {
      "so-error", "getpeername", "read-1", "read-0", "connect-again", "connect-after-so-error",
      "send"};
  std::vector<Probe> probes(kInspections.size());
  for (Probe& p : probes) {
    int err = 0;
    p.fd = open_probe(st, p.target, err);
    if (p.fd < 0) continue;
    p.started = Clock::now();
    ::connect(p.fd, p.target.data(), p.target.size());
  }
  wait_ready(probes, wait, st.settle);

  const Probe& first = probes.front();
  Record poll_step;
  poll_step["ret"] = first.ready_us < 0 ? 0 : 1;
  poll_step["events"] = events_text(first.revents);
  poll_step["us"] = first.ready_us < 0 ? micros(wait) : first.ready_us;
  steps["poll"] = poll_step;

  for (size_t i = 0; i < kInspections.size(); ++i) {
    std::string_view key = kInspections[i];
    Probe& p = probes[i];
    if (p.fd < 0) {
      steps[key] = {{"ret", nullptr}, {"error", "no socket"}};
      continue;
    }
    char c = 0;
    int fd = p.fd;
    if (key == "so-error") {
      steps[key] = so_error_json(fd);
    } else if (key == "getpeername") {
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      Call call = timed([&] { return ::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len); });
      Record j = call_json(call);
      if (call.ret == 0) {
        j["peer"] = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len).to_string();
        j["local"] = local_address(fd).to_string();
      }
      steps[key] = j;
    } else if (key == "read-1") {
      steps[key] = call_json(timed([&] { return ::read(fd, &c, 1); }));
    } else if (key == "read-0") {
      steps[key] = call_json(timed([&] { return ::read(fd, &c, 0); }));
    } else if (key == "connect-again") {
      steps[key] =
          call_json(timed([&] { return ::connect(fd, p.target.data(), p.target.size()); }));
    } else if (key == "connect-after-so-error") {
      Call ignored;
      int value = read_so_error(fd, ignored);
      Record j = call_json(timed([&] { return ::connect(fd, p.target.data(), p.target.size()); }));
      j["so_error"] = value ? errno_json(value) : Record(0);
      steps[key] = j;
    } else if (key == "send") {
      steps[key] = call_json(timed([&] { return ::send(fd, "x", 1, MSG_NOSIGNAL); }));
    }
  }
  for (Probe& p : probes) {
    if (p.fd >= 0) ::close(p.fd);
  }

  std::vector<Record> writes = finish_writer(unread, 2, wait);
  steps["write"] = writes.at(0);
  steps["write-again"] = writes.at(1);
  steps["write-after-so-error"] = finish_writer(after, 1, wait).at(0);
  return steps;
}

// What the kernel answered, in one word: the immediate errno, the errno of SO_ERROR, "connected"
// or "no answer".
Record kernel_answer(const Record& steps) {
  const Record& c1 = steps.value("connect-1", Record::object());
  if (c1.value("ret", Record(0)).is_number() && c1["ret"].get<long>() < 0 &&
      c1["errno"] != "EINPROGRESS") {
    return c1["errno"];
  }
  const Record& poll = steps.value("poll", Record::object());
  if (poll.value("ret", 0) == 0) return "no answer";
  const Record& so = steps.value("so-error", Record::object());
  if (so.contains("value") && so["value"].is_string()) return so["value"];
  return "connected";
}

// ---------------------------------------------------------------------------------------------
// The library over the same scenario: every detection method with every poller.

constexpr std::array<Method, 4> kMethods = {Method::so_error, Method::getpeername,
                                            Method::reconnect, Method::zero_read};
constexpr std::array<Backend, 4> kBackends = {Backend::epoll, Backend::poll, Backend::select,
                                              Backend::uring};

Record library_matrix(const Scenario& sc, const Stage& st, std::chrono::milliseconds wait) {
  struct Job {
    Method method;
    Backend backend;
    bool available;
    Endpoint target;
    std::optional<Endpoint> source;
    Outcome outcome;
    double cpu_ms = 0;  // CPU time the connect's thread used: a busy wait shows here
  };
  std::vector<Job> jobs;
  std::vector<Socket> reserved;
  for (Method m : kMethods) {
    for (Backend b : kBackends) {
      Job job{m, b, backend_available(b), st.target, std::nullopt, {}};
      if (st.self_connect) {
        // A port of its own per job, held until every job has one so that they differ.
        std::uint16_t port = 0;
        std::string error;
        if (auto s = reserve_port(AF_INET, port, error)) reserved.push_back(std::move(*s));
        job.target = loopback4(port);
        job.source = job.target;
      }
      jobs.push_back(std::move(job));
    }
  }
  reserved.clear();

  // Concurrently: a scenario with no answer then costs one wait, not sixteen.
  std::vector<std::thread> threads;
  for (Job& job : jobs) {
    if (!job.available) continue;
    threads.emplace_back([&job, wait] {
      ConnectOptions o;
      o.timeout = wait;
      o.method = job.method;
      o.backend = job.backend;
      o.source = job.source;
      o.linger_zero = true;
      o.keep_socket = false;
      rusage before{}, after{};
      ::getrusage(RUSAGE_THREAD, &before);
      job.outcome = connect(job.target, o);
      ::getrusage(RUSAGE_THREAD, &after);
      auto ms = [](const rusage& u) {
        return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
               (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
      };
      job.cpu_ms = std::round((ms(after) - ms(before)) * 1000.0) / 1000.0;
    });
  }
  for (std::thread& t : threads) t.join();

  Record out = Record::array();
  for (const Job& job : jobs) {
    Record j;
    j["method"] = std::string(to_string(job.method));
    j["backend"] = std::string(to_string(job.backend));
    if (!job.available) {
      j["available"] = false;
      out.push_back(std::move(j));
      continue;
    }
    const Outcome& o = job.outcome;
    j["available"] = true;
    j["state"] = std::string(to_string(o.state));
    j["reason"] = o.reason_name();
    j["errno"] = errno_json(o.error);
    j["phase"] = std::string(to_string(o.phase));
    j["rtt_ms"] = std::round(to_ms(o.rtt) * 1000.0) / 1000.0;
    j["attempts"] = o.attempts;
    j["cpu_ms"] = job.cpu_ms;
    j["correct"] = to_string(o.state) == sc.truth_state && o.reason_name() == sc.truth_reason;
    out.push_back(std::move(j));
  }
  return out;
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

std::string kernel_release() {
  utsname u{};
  if (::uname(&u) != 0) return "unknown";
  return std::string(u.sysname) + " " + u.release + " " + u.machine;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> list = {
      {"listening", "a server listens on the port", Needs::loopback, "open", "syn-ack"},
      {"nothing-listening", "nobody listens on the port: the kernel answers with RST",
       Needs::loopback, "closed", "conn-refused"},
      {"nothing-listening-v6", "on ::1, nobody listens on the port", Needs::loopback, "closed",
       "conn-refused"},
      {"syn-dropped", "a firewall drops the SYN", Needs::firewall, "filtered", "no-response"},
      {"icmp-host-unreachable", "a firewall answers ICMP host-unreachable", Needs::firewall,
       "filtered", "host-unreach"},
      {"icmp-net-unreachable", "a firewall answers ICMP net-unreachable", Needs::firewall,
       "filtered", "net-unreach"},
      // Linux turns ICMP code 13 (communication administratively prohibited) into EHOSTUNREACH,
      // so host-unreach is all a program can report here.
      {"icmp-admin-prohibited", "a firewall answers ICMP admin-prohibited (code 13)",
       Needs::firewall, "filtered", "host-unreach"},
      {"icmp-after-retransmit",
       "as icmp-host-unreachable, read once the SYN retransmitted after 1 s met the ICMP too",
       Needs::firewall, "filtered", "host-unreach"},
      // IPv6 maps ICMPv6 "administratively prohibited" to EACCES, unlike IPv4.
      {"icmp-admin-prohibited-v6",
       "on ::1, a firewall answers ICMPv6 admin-prohibited; read after the SYN retransmission",
       Needs::firewall, "filtered", "admin-prohibited"},
      {"tcp-reset", "a server listens, but a firewall answers the SYN with RST", Needs::firewall,
       "closed", "conn-refused"},
      {"no-route", "no route to the address (a namespace with only lo)", Needs::namespace_,
       "filtered", "net-unreach"},
      {"route-prohibit", "the route is `prohibit`", Needs::route, "filtered", "admin-prohibited"},
      {"route-unreachable", "the route is `unreachable`", Needs::route, "filtered", "host-unreach"},
      // A blackhole route makes connect() fail with EINVAL: a local configuration error that
      // says nothing about the peer.
      {"route-blackhole", "the route is `blackhole`", Needs::route, "error", "einval"},
      {"ports-exhausted", "no ephemeral source port is left for this destination",
       Needs::namespace_, "error", "local-resources"},
      {"self-connect", "the source port is the destination port (TCP simultaneous open)",
       Needs::loopback, "closed", "self-connect"},
      {"backlog-full", "a server listens, but its accept queue is full", Needs::loopback,
       "filtered", "no-response"},
  };
  return list;
}

const Scenario* find_scenario(std::string_view name) {
  for (const Scenario& sc : scenarios()) {
    if (sc.name == name) return &sc;
  }
  return nullptr;
}

const std::vector<StepInfo>& immediate_steps() {
  static const std::vector<StepInfo> steps = {
      {"connect-1", "1st connect()"},
      {"connect-2", "2nd connect()"},
      {"connect-3", "3rd connect()"},
      {"poll", "poll() after the wait"},
  };
  return steps;
}

const std::vector<StepInfo>& after_wait_steps() {
  static const std::vector<StepInfo> steps = {
      {"so-error", "SO_ERROR"},
      {"getpeername", "getpeername()"},
      {"read-1", "read(fd,&c,1)"},
      {"read-0", "read(fd,&c,0)"},
      {"connect-again", "connect() again"},
      {"connect-after-so-error", "connect() after SO_ERROR"},
      {"send", "send(MSG_NOSIGNAL)"},
      {"write", "write()"},
      {"write-again", "2nd write()"},
      {"write-after-so-error", "write() after SO_ERROR"},
  };
  return steps;
}

void run_scenarios(const Config& config, const std::function<void(const Record&)>& emit) {
  // A writer that is killed by SIGPIPE must not take the lab with it; the lab's own calls use
  // MSG_NOSIGNAL, but a reader of our report pipe may go away too.
  ::signal(SIGPIPE, SIG_IGN);

  std::string namespace_error = enter_namespace();
  bool isolated = namespace_error.empty();
  Firewall firewall(config.firewall);
  std::string kernel = kernel_release();

  // Namespace-wide settings a scenario changed go back before the next one.
  auto restore = [](const Stage& st) {
    if (st.restore_port_range.empty()) return;
    std::string ignored;
    write_small_file(kPortRange, st.restore_port_range, ignored);
  };

  for (const std::string& name : config.names) {
    const Scenario* sc = find_scenario(name);
    if (!sc) continue;
    Record rec;
    rec["scenario"] = std::string(sc->name);
    rec["title"] = std::string(sc->title);
    rec["needs"] = std::string(needs_name(sc->needs));
    rec["kernel"] = kernel;
    rec["isolation"] = isolated ? "netns" : "host-loopback";
    std::chrono::milliseconds wait = config.wait;
    rec["wait_ms"] = wait.count();
    rec["truth"] = {{"state", std::string(sc->truth_state)},
                    {"reason", std::string(sc->truth_reason)}};

    auto started = Clock::now();
    Stage st;
    if (!isolated && sc->needs != Needs::loopback) {
      st.skip = "needs a private network namespace: " + namespace_error;
    } else {
      st = stage_scenario(*sc, firewall);
    }
    if (!st.skip.empty()) {
      restore(st);
      rec["skipped"] = st.skip;
      emit(rec);
      continue;
    }
    rec["skipped"] = nullptr;
    if (st.wait.count() > 0) wait = std::max(wait, st.wait);
    rec["wait_ms"] = wait.count();
    rec["setup"] = st.setup;
    rec["target"] =
        st.self_connect ? "127.0.0.1:P (P = its own source port)" : st.target.to_string();
    if (sc->needs == Needs::firewall) rec["firewall"] = firewall.version();
    Record steps = raw_steps(st, wait);
    rec["kernel_says"] = kernel_answer(steps);
    rec["steps"] = std::move(steps);
    rec["methods"] = library_matrix(*sc, st, wait);
    restore(st);
    rec["elapsed_ms"] = std::round(micros(Clock::now() - started)) / 1000.0;
    emit(rec);
  }
}

}  // namespace nbc::cli::lab
