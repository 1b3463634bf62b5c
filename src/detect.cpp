// The four ways of reading the result of a non-blocking connect once the socket is writable.
#include <sys/socket.h>

#include <cerrno>

#include "attempt.hpp"
#include "sys.hpp"

namespace nbc::detail {
namespace {

// getpeername() succeeds only on a connected socket; ENOTCONN means "not (yet) connected".
bool peer_known(int fd, const Trace& trace, int& err) {
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  int r = sys().getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len);
  err = r < 0 ? errno : 0;
  trace.call(r, err, "getpeername({})", fd);
  return r == 0;
}

Verdict by_so_error(int fd, const Trace& trace) {
  // Normal situation: the kernel keeps the connect's error in SO_ERROR and clears it on read.
  int value = 0;
  socklen_t len = sizeof value;
  int r = sys().getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &len);
  int err = errno;
  if (trace.on()) {
    if (r < 0) {
      trace.call(r, err, "getsockopt({}, SOL_SOCKET, SO_ERROR)", fd);
    } else {
      trace.note("getsockopt({}, SOL_SOCKET, SO_ERROR) = 0 [{}]", fd,
                 value ? errno_name(value) : std::string_view("0"));
    }
  }
  if (r < 0) return {Verdict::failed, err};
  if (value != 0) return {Verdict::failed, value};
  // SO_ERROR 0 alone does not prove a connection: a wake-up can come before the handshake ends.
  int peer_err = 0;
  if (peer_known(fd, trace, peer_err)) return {Verdict::connected, 0};
  if (peer_err == ENOTCONN) return {Verdict::pending, 0};
  return {Verdict::failed, peer_err};
}

Verdict by_getpeername(int fd, const Trace& trace) {
  int peer_err = 0;
  if (peer_known(fd, trace, peer_err)) return {Verdict::connected, 0};
  if (peer_err != ENOTCONN) return {Verdict::failed, peer_err};
  // Not connected: a one-byte read returns the pending error (and clears it).
  char c;
  ssize_t n = sys().read(fd, &c, 1);
  int err = errno;
  trace.call(static_cast<int>(n), err, "read({}, &c, 1)", fd);
  if (n < 0 && (err == EAGAIN || err == EWOULDBLOCK)) return {Verdict::pending, 0};
  if (n < 0) return {Verdict::failed, err};
  // End of file without an error: the connection is gone, with nothing to say why.
  return {Verdict::failed, ECONNRESET};
}

Verdict by_reconnect(int fd, const Endpoint& target, const Trace& trace) {
  int r = sys().connect(fd, target.data(), target.size());
  int err = errno;
  trace.call(r, err, "connect({}, {})", fd, target.to_string());
  if (r == 0 || err == EISCONN) return {Verdict::connected, 0};
  if (err == EALREADY || err == EINPROGRESS || err == EINTR) return {Verdict::pending, 0};
  return {Verdict::failed, err};
}

Verdict by_zero_read(int fd, const Trace& trace) {
  // Linux returns 0 for a zero-length read before it looks at the socket, so this method
  // calls every completed connect a success. It is kept to show exactly that.
  char c;
  ssize_t n = sys().read(fd, &c, 0);
  int err = errno;
  trace.call(static_cast<int>(n), err, "read({}, &c, 0)", fd);
  if (trace.on()) trace.note("zero-read is unreliable: a 0 here does not prove a connection");
  if (n == 0) return {Verdict::connected, 0};
  if (err == EAGAIN || err == EWOULDBLOCK) return {Verdict::pending, 0};
  return {Verdict::failed, err};
}

}  // namespace

Verdict detect(Method method, int fd, const Endpoint& target, const Trace& trace) {
  switch (method) {
    case Method::so_error:
      return by_so_error(fd, trace);
    case Method::getpeername:
      return by_getpeername(fd, trace);
    case Method::reconnect:
      return by_reconnect(fd, target, trace);
    case Method::zero_read:
      return by_zero_read(fd, trace);
  }
  return by_so_error(fd, trace);
}

}  // namespace nbc::detail

namespace nbc {

std::string_view to_string(Method method) {
  switch (method) {
    case Method::so_error:
      return "so-error";
    case Method::getpeername:
      return "getpeername";
    case Method::reconnect:
      return "reconnect";
    case Method::zero_read:
      return "zero-read";
  }
  return "so-error";
}

std::optional<Method> parse_method(std::string_view text) {
  for (Method m : {Method::so_error, Method::getpeername, Method::reconnect, Method::zero_read}) {
    if (text == to_string(m)) return m;
  }
  return std::nullopt;
}

}  // namespace nbc
