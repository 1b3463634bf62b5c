// The system-call seam. Everything the connect state machine asks of the kernel goes through
// these pointers, so a unit test can inject an EINTR or EMFILE at one exact call where a real
// kernel cannot stage it on demand. Production code never changes them.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

namespace nbc::detail {

struct SysCalls {
  int (*socket)(int domain, int type, int protocol);
  int (*connect)(int fd, const sockaddr* addr, socklen_t len);
  int (*bind)(int fd, const sockaddr* addr, socklen_t len);
  int (*setsockopt)(int fd, int level, int name, const void* value, socklen_t len);
  int (*getsockopt)(int fd, int level, int name, void* value, socklen_t* len);
  int (*getpeername)(int fd, sockaddr* addr, socklen_t* len);
  int (*getsockname)(int fd, sockaddr* addr, socklen_t* len);
  ssize_t (*read)(int fd, void* buf, size_t count);
  int (*close)(int fd);
};

// The live table. Tests may swap entries and must restore them (see ScopedSysCall in tests).
SysCalls& sys();

}  // namespace nbc::detail
