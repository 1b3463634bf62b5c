// The sandbox shared by the lab and the tests: the private network namespace, its sysctls,
// external programs run with a time limit, and firewall rules. See sandbox.hpp.
#include "lab/sandbox.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

extern char** environ;

namespace nbc::sandbox {
namespace {

std::string errno_text(int err) {
  const char* name = ::strerrorname_np(err);
  return std::string(name ? name : "errno " + std::to_string(err)) + " (" + std::strerror(err) +
         ")";
}

std::string bring_loopback_up() {
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
  return error;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The namespace

std::string enter_private_netns(bool lift_icmp_limits) {
  if (::unshare(CLONE_NEWNET) != 0) {
    return "unshare(CLONE_NEWNET) failed: " + errno_text(errno);
  }
  if (std::string error = bring_loopback_up(); !error.empty()) return error;
  if (!lift_icmp_limits) return {};
  // ICMP errors are rate-limited (1000/s, burst 50): a lab scenario or a scan sends dozens of
  // SYNs at once, and an unreachable that the limit swallowed would read as no answer. Best
  // effort: the namespace is ours, and the limits are per namespace.
  for (const auto& [path, value] : {std::pair{"/proc/sys/net/ipv4/icmp_msgs_per_sec", "1000000"},
                                    std::pair{"/proc/sys/net/ipv4/icmp_msgs_burst", "1000000"},
                                    std::pair{"/proc/sys/net/ipv4/icmp_ratelimit", "0"},
                                    std::pair{"/proc/sys/net/ipv6/icmp/ratelimit", "0"}}) {
    std::string ignored;  // left at its default, the limit still lets a small burst through
    write_sysctl(path, value, ignored);
  }
  return {};
}

std::string read_sysctl(const std::string& path) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n > 0) out.assign(buf, static_cast<size_t>(n));
  ::close(fd);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

bool write_sysctl(const std::string& path, const std::string& value, std::string& error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  bool ok =
      fd >= 0 && ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
  if (!ok) error = "cannot write " + path + ": " + std::strerror(errno);
  if (fd >= 0) ::close(fd);
  return ok;
}

// ---------------------------------------------------------------------------------------------
// External programs

std::string RunResult::output() const {
  std::string text = out;
  if (!text.empty() && !err.empty() && text.back() != '\n') text += '\n';
  text += err;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  // Fixed system directories, never $PATH: the lab runs these tools as root, and a directory the
  // caller put first on PATH must not choose what runs with that privilege.
  const std::string dirs = "/usr/sbin:/sbin:/usr/bin:/bin";
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

RunResult run_program(const std::vector<std::string>& argv, std::chrono::milliseconds limit) {
  RunResult result;
  std::string program = argv.empty() ? std::string() : find_program(argv[0]);
  if (program.empty()) {
    result.err = (argv.empty() ? std::string("(no program)") : argv[0]) + ": not found";
    return result;
  }
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    result.err = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    result.err = std::string("pipe: ") + std::strerror(errno);
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<char*> args;
  args.push_back(program.data());
  for (size_t i = 1; i < argv.size(); ++i) args.push_back(const_cast<char*>(argv[i].c_str()));
  args.push_back(nullptr);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    result.err = program + ": " + std::strerror(rc);
    return result;
  }
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_pipes = 2;
  char buf[65536];
  while (open_pipes > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        limit - (std::chrono::steady_clock::now() - start));
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    int n = ::poll(fds, 2, static_cast<int>(left.count()) + 1);
    if (n < 0) continue;
    for (pollfd& p : fds) {
      if (p.fd < 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = ::read(p.fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got > 0) {
        (p.fd == out_pipe[0] ? result.out : result.err).append(buf, static_cast<size_t>(got));
      } else {
        ::close(p.fd);
        p.fd = -1;
        --open_pipes;
      }
    }
  }
  for (pollfd& p : fds) {
    if (p.fd >= 0) ::close(p.fd);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

PipedChild fork_with_pipe() {
  PipedChild child;
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) {
    child.error = std::string("pipe: ") + std::strerror(errno);
    return child;
  }
  std::fflush(nullptr);
  child.pid = ::fork();
  if (child.pid < 0) {
    child.error = std::string("fork: ") + std::strerror(errno);
    ::close(p[0]);
    ::close(p[1]);
    return child;
  }
  ::close(p[child.pid == 0 ? 0 : 1]);
  child.fd = p[child.pid == 0 ? 1 : 0];
  return child;
}

ChildResult run_in_child(const std::function<std::string()>& body,
                         std::chrono::milliseconds limit) {
  ChildResult result;
  PipedChild child = fork_with_pipe();
  if (child.pid < 0) {
    result.error = child.error;
    return result;
  }
  if (child.pid == 0) {
    std::string text = body();
    std::size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::write(child.fd, text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  auto deadline = std::chrono::steady_clock::now() + limit;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd pf{child.fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&pf, 1, static_cast<int>(left.count()) + 1) <= 0) {
      ::kill(child.pid, SIGKILL);
      result.timed_out = true;
      result.error = "did not finish in time";
      break;
    }
    ssize_t n = ::read(child.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(child.fd);
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (result.timed_out) result.text.clear();
  return result;
}

int run_shell(const std::string& command) {
  int status = std::system(command.c_str());
  if (status < 0 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    out += a.find(' ') == std::string::npos ? a : "'" + a + "'";
  }
  return out;
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

std::string failure_text(const std::vector<std::string>& argv, const RunResult& result) {
  std::string output = result.output();
  if (result.timed_out) output = "killed at the time limit";
  return joined(argv) + ": " + (output.empty() ? "failed" : first_line(output));
}

// ---------------------------------------------------------------------------------------------
// Firewall rules

namespace {

constexpr auto kToolLimit = std::chrono::seconds(10);

// The ICMPv6 counterpart of an ICMP verdict, in iptables' and nft's words.
std::string_view v6_type(std::string_view verdict, bool nft) {
  if (verdict == "icmp-admin-prohibited") return nft ? "admin-prohibited" : "icmp6-adm-prohibited";
  if (verdict == "icmp-net-unreachable") return nft ? "no-route" : "icmp6-no-route";
  return nft ? "addr-unreachable" : "icmp6-addr-unreachable";
}

std::vector<std::string> iptables_rule(bool v6, std::uint16_t port, std::string_view verdict,
                                       std::string_view protocol) {
  std::vector<std::string> argv = {
      v6 ? "ip6tables" : "iptables", "-w", "-A", "INPUT", "-p", std::string(protocol), "--dport",
      std::to_string(port),          "-j"};
  if (verdict == "drop") {
    argv.push_back("DROP");
  } else {
    std::string with(v6 && verdict != "tcp-reset" ? v6_type(verdict, false) : verdict);
    argv.insert(argv.end(), {"REJECT", "--reject-with", with});
  }
  return argv;
}

std::vector<std::string> nft_rule(bool v6, std::uint16_t port, std::string_view verdict,
                                  std::string_view protocol) {
  std::vector<std::string> argv = {"nft",
                                   "add",
                                   "rule",
                                   v6 ? "ip6" : "ip",
                                   "nbconnect_lab",
                                   "input",
                                   std::string(protocol),
                                   "dport",
                                   std::to_string(port)};
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

void add_reason(std::string& why, const std::string& reason) {
  if (!why.empty()) why += "; ";
  why += reason;
}

}  // namespace

bool Firewall::add(bool v6, std::uint16_t port, std::string_view verdict, std::string& command,
                   std::string& error, std::string_view protocol) {
  std::vector<std::string> tools;
  if (tool_.empty()) {
    if (preference_ == "auto" || preference_ == "iptables") tools.push_back("iptables");
    if (preference_ == "auto" || preference_ == "nft") tools.push_back("nft");
  } else {
    tools.push_back(tool_);
  }
  std::string why;
  for (const std::string& tool : tools) {
    std::vector<std::string> argv = tool == "iptables" ? iptables_rule(v6, port, verdict, protocol)
                                                       : nft_rule(v6, port, verdict, protocol);
    if (tool == "nft" && !nft_ready_[v6] && !prepare_nft(v6, why)) continue;
    RunResult r = run_program(argv, kToolLimit);
    if (r.succeeded()) {
      if (tool_.empty()) {
        tool_ = tool;
        version_ = first_line(run_program({tool, "--version"}, kToolLimit).output());
      }
      command = joined(argv);
      return true;
    }
    add_reason(why, failure_text(argv, r));
  }
  error = why.empty() ? "no firewall tool allowed" : why;
  return false;
}

bool Firewall::prepare_nft(bool v6, std::string& why) {
  std::string family = v6 ? "ip6" : "ip";
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{"nft", "add", "table", family, "nbconnect_lab"},
        std::vector<std::string>{"nft", "add", "chain", family, "nbconnect_lab", "input",
                                 "{ type filter hook input priority 0 ; policy accept ; }"}}) {
    RunResult r = run_program(argv, kToolLimit);
    if (!r.succeeded()) {
      add_reason(why, failure_text(argv, r));
      return false;
    }
  }
  nft_ready_[v6] = true;
  return true;
}

FirewallRule::FirewallRule(std::string binary, std::string rule)
    : binary_(std::move(binary)), rule_(std::move(rule)) {
  std::vector<std::string> argv = command("-I");
  RunResult r = run_program(argv, kToolLimit);
  if (!r.succeeded()) error_ = failure_text(argv, r);
}

FirewallRule::~FirewallRule() {
  if (ok()) run_program(command("-D"), kToolLimit);
}

std::vector<std::string> FirewallRule::command(const char* action) const {
  std::vector<std::string> argv = {binary_, "-w", action};
  size_t start = 0;
  while (start < rule_.size()) {
    size_t end = rule_.find(' ', start);
    if (end == std::string::npos) end = rule_.size();
    if (end > start) argv.push_back(rule_.substr(start, end - start));
    start = end + 1;
  }
  return argv;
}

}  // namespace nbc::sandbox
