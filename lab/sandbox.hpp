// The sandbox that the lab and the tests share: a private network namespace with only loopback,
// its sysctls, firewall rules inside it (iptables or nft), and external programs run without a
// shell, their output captured and a time limit enforced. Plain libc, no nbconnect: the tests
// that check the library use it too.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace nbc::sandbox {

// ---------------------------------------------------------------------------------------------
// The namespace

// Moves the calling process, which must still be single-threaded, into a new network namespace
// with only loopback, brings loopback up and (unless told not to) lifts the namespace's ICMP rate
// limits. Returns "" on success, else why not, naming the errno (e.g. "unshare(CLONE_NEWNET)
// failed: EPERM (...)").
std::string enter_private_netns(bool lift_icmp_limits = true);

// A small file under /proc/sys: its first line, "" when unreadable.
std::string read_sysctl(const std::string& path);
// Writes a /proc/sys file; on failure says why in `error`.
bool write_sysctl(const std::string& path, const std::string& value, std::string& error);

// ---------------------------------------------------------------------------------------------
// External programs

struct RunResult {
  int exit_code = -1;  // -1 when it could not run or was killed by a signal
  int signal = 0;      // the signal that ended it, or 0
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};
  bool timed_out = false;  // killed (SIGKILL) at the time limit

  bool succeeded() const { return exit_code == 0 && !timed_out; }
  // stdout then stderr, without trailing blanks: what a person reads after a failure.
  std::string output() const;
};

// The path of a program: argv[0] as given when it holds a '/', else found in the fixed system
// directories (/usr/sbin, /sbin, /usr/bin, /bin), never on $PATH: the lab runs its tools as root.
// "" when not found.
std::string find_program(const std::string& name);

// Runs argv with stdin from /dev/null and without a shell, capturing stdout and stderr apart;
// kills it (SIGKILL) after the time limit, so that a caller never hangs.
RunResult run_program(const std::vector<std::string>& argv,
                      std::chrono::milliseconds limit = std::chrono::seconds(60));

// Runs `body` in a forked child (the caller single-threaded, or what the child calls must be
// fork-safe) and returns the text it returned, passed back through a pipe; kills the child
// (SIGKILL) at the time limit. `error` says why there is no text: the pipe or fork failed, or
// the child did not finish in time.
// A child process joined to its parent by a pipe: in the child (pid 0) `fd` is the pipe's write
// end, in the parent its read end; each side's other end is closed, and stdio is flushed before the
// fork so that no buffered output is written twice. On failure pid is -1 and `error` names the
// call that failed and its errno.
struct PipedChild {
  pid_t pid = -1;
  int fd = -1;
  std::string error;
};
PipedChild fork_with_pipe();

struct ChildResult {
  std::string text;
  std::string error;
  bool timed_out = false;
};
ChildResult run_in_child(const std::function<std::string()>& body, std::chrono::milliseconds limit);

// Runs a command line through /bin/sh, its output going to ours. Returns its exit status, or -1.
int run_shell(const std::string& command);

// argv as one line, for messages and records (words with a space quoted).
std::string joined(const std::vector<std::string>& argv);
std::string first_line(const std::string& text);
// "<argv>: <first line of its output>", or "<argv>: failed" when it said nothing.
std::string failure_text(const std::vector<std::string>& argv, const RunResult& result);

// ---------------------------------------------------------------------------------------------
// Firewall rules

// Rules on the namespace's INPUT path for one TCP or UDP port, through iptables or, when that is
// missing or refuses, through nft. The first tool that works is kept for the whole run.
class Firewall {
 public:
  // preference: "auto" (iptables, else nft), "iptables" or "nft".
  explicit Firewall(std::string preference) : preference_(std::move(preference)) {}

  // Adds a rule for `protocol` ("tcp" or "udp") packets to `port`. verdict: drop,
  // icmp-host-unreachable, icmp-net-unreachable, icmp-admin-prohibited, icmp-port-unreachable,
  // tcp-reset. On success `command` is the command that did it; on failure `error` says why.
  bool add(bool v6, std::uint16_t port, std::string_view verdict, std::string& command,
           std::string& error, std::string_view protocol = "tcp");

  // The tool's version line, once a rule was added ("iptables v1.8.9 (nf_tables)").
  const std::string& version() const { return version_; }

 private:
  bool prepare_nft(bool v6, std::string& why);

  std::string preference_;
  std::string tool_;
  std::string version_;
  bool nft_ready_[2] = {false, false};  // per family: ip, ip6
};

// An iptables rule inserted for the life of the object, so that tests sharing one namespace (a
// test binary run by hand rather than one test per process) do not see each other's rules.
// binary is "iptables" or "ip6tables"; rule is e.g. "INPUT -p tcp --dport 80 -j DROP" (words
// split at spaces, no quoting).
class FirewallRule {
 public:
  FirewallRule(std::string binary, std::string rule);
  FirewallRule(const FirewallRule&) = delete;
  FirewallRule& operator=(const FirewallRule&) = delete;
  ~FirewallRule();
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  std::vector<std::string> command(const char* action) const;

  std::string binary_;
  std::string rule_;
  std::string error_;
};

}  // namespace nbc::sandbox
