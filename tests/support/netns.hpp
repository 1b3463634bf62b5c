// Test support: a private network namespace with only loopback, shell commands inside it, and
// real listeners. Header-only so every test binary can use it.
#pragma once

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace nbc::test {

// Runs a shell command, returns its exit status (or -1). Its output goes to the test's stderr.
inline int sh(const std::string& command) {
  int status = std::system(command.c_str());
  if (status < 0 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// Moves the calling process (which must still be single-threaded) into a new network namespace
// with only loopback, brought up. Returns "" on success, else why it could not.
inline std::string enter_private_netns() {
  if (::unshare(CLONE_NEWNET) != 0) {
    return std::string("cannot create a network namespace (unshare(CLONE_NEWNET): ") +
           std::strerror(errno) + "); these tests need root or CAP_SYS_ADMIN";
  }
  if (sh("ip link set lo up") != 0) return "cannot bring loopback up in the namespace (ip link)";
  // ICMP errors are rate-limited (1000/s, burst 50 by default). Tests and scans that provoke
  // many unreachables would otherwise see some go missing and read them as no-response.
  for (const char* path :
       {"/proc/sys/net/ipv4/icmp_msgs_per_sec", "/proc/sys/net/ipv4/icmp_msgs_burst"}) {
    if (FILE* f = std::fopen(path, "w")) {
      std::fputs("1000000", f);
      std::fclose(f);
    }
  }
  for (const char* path :
       {"/proc/sys/net/ipv4/icmp_ratelimit", "/proc/sys/net/ipv6/icmp/ratelimit"}) {
    if (FILE* f = std::fopen(path, "w")) {
      std::fputs("0", f);
      std::fclose(f);
    }
  }
  return {};
}

// The outcome of enter_private_netns() for this process; set once by the test main().
inline std::string& netns_error() {
  static std::string error = "the test main() did not try to create a namespace";
  return error;
}

// A firewall rule inserted for the life of the object, so tests that share one namespace (the
// binary run by hand rather than one test per process by ctest) do not see each other's rules.
// binary is "iptables" or "ip6tables"; rule is e.g. "INPUT -p tcp --dport 80 -j DROP".
class FirewallRule {
 public:
  FirewallRule(std::string binary, std::string rule)
      : binary_(std::move(binary)), rule_(std::move(rule)) {
    ok_ = sh(binary_ + " -I " + rule_) == 0;
  }
  FirewallRule(const FirewallRule&) = delete;
  FirewallRule& operator=(const FirewallRule&) = delete;
  ~FirewallRule() {
    if (ok_) sh(binary_ + " -D " + rule_);
  }
  bool ok() const { return ok_; }

 private:
  std::string binary_;
  std::string rule_;
  bool ok_ = false;
};

// Counts this process's open descriptors.
inline int open_fd_count() {
  int count = 0;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] != '.') ++count;
    }
    ::closedir(dir);
    --count;  // the directory stream's own descriptor
  }
  return count;
}

// A listening TCP socket on a loopback address; port 0 picks a free one.
class Listener {
 public:
  explicit Listener(const char* address = "127.0.0.1", std::uint16_t port = 0, int backlog = 128) {
    bool v6 = std::strchr(address, ':') != nullptr;
    fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage ss{};
    socklen_t len;
    if (v6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(port);
      ::inet_pton(AF_INET6, address, &a->sin6_addr);
      len = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      a->sin_family = AF_INET;
      a->sin_port = htons(port);
      ::inet_pton(AF_INET, address, &a->sin_addr);
      len = sizeof *a;
    }
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd_, backlog) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    len = sizeof ss;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
    port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                     : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace nbc::test
