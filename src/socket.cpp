// Socket: the owning descriptor handle.
#include "nbconnect/socket.hpp"

#include <unistd.h>

namespace nbc {

void Socket::reset(int fd) noexcept {
  // close() is not retried on EINTR: on Linux the descriptor is released whatever it returns.
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

}  // namespace nbc
