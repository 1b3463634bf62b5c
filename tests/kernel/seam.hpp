// Failures injected through the system-call seam, for what the kernel cannot stage at one exact
// call: the next g_failures_left calls of a seamed function fail with g_injected_errno.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <cerrno>

#include "sys.hpp"

namespace nbc::test {

// Atomic: the engine calls the seam from several event-loop threads.
inline std::atomic<int> g_failures_left{0};
inline std::atomic<int> g_injected_errno{0};

inline int failing_socket(int domain, int type, int protocol) {
  if (g_failures_left.fetch_sub(1) > 0) {
    errno = g_injected_errno;
    return -1;
  }
  return ::socket(domain, type, protocol);
}

inline int failing_connect(int fd, const sockaddr* addr, socklen_t len) {
  if (g_failures_left.fetch_sub(1) > 0) {
    errno = g_injected_errno;
    return -1;
  }
  return ::connect(fd, addr, len);
}

// Restores the real system calls when the test ends.
class Seam {
 public:
  Seam() : saved_(detail::sys()) {}
  ~Seam() { detail::sys() = saved_; }
  Seam(const Seam&) = delete;
  Seam& operator=(const Seam&) = delete;

 private:
  detail::SysCalls saved_;
};

}  // namespace nbc::test
