// Test support: a private network namespace with only loopback, shell commands and firewall
// rules inside it, and real listeners. The namespace, the commands and the rules are the lab's
// sandbox (lab/sandbox.hpp), shared rather than copied; what is here is for tests only.
#pragma once

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "lab/sandbox.hpp"

namespace nbc::test {

using sandbox::FirewallRule;

// Runs a shell command, returns its exit status (or -1). Its output goes to the test's stderr.
inline int sh(const std::string& command) {
  return sandbox::run_shell(command);
}

// Moves the calling process (which must still be single-threaded) into a new network namespace
// with only loopback, brought up, and the ICMP rate limits lifted. Returns "" on success, else
// why it could not.
inline std::string enter_private_netns() {
  std::string error = sandbox::enter_private_netns();
  if (!error.empty()) error += "; these tests need root or CAP_SYS_ADMIN";
  return error;
}

// The outcome of enter_private_netns() for this process; set once by the test main().
inline std::string& netns_error() {
  static std::string error = "the test main() did not try to create a namespace";
  return error;
}

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
