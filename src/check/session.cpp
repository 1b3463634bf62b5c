// The checks' shared state and transport (session.hpp): plain recv/send on the socket, or
// SSL_read/SSL_write once a TLS session exists, both non-blocking.
#include "check/session.hpp"

#include <openssl/err.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace nbc::detail::check {

Session::Session(const CheckOptions& options, const Endpoint& target, const Tracer& tracer)
    : options_(options), target_(target), tracer_(tracer), trace_(&tracer_) {}

// The check's times are read from the clock here, not from the `now` a driver passes on (which
// may be the time of its loop turn): elapsed is the checks' own time.
void Session::begin(CheckKind kind, Clock::time_point /*now*/) {
  if (!started_) {
    started_ = true;
    first_start_ = Clock::now();
  }
  report_.kind = kind;
  report_.ok = false;
}

bool Session::start_stage(CheckKind kind, bool& started, Clock::time_point now) {
  if (failed()) return false;
  if (!started) begin(kind, now);
  started = true;
  return true;
}

std::expected<std::unique_ptr<Pattern>, std::string> Session::expect_pattern() const {
  if (!options_.expect) return nullptr;
  std::string error;
  auto pattern = std::make_unique<Pattern>(*options_.expect, error);
  if (!pattern->ok()) return std::unexpected("bad pattern: " + error);
  return pattern;
}

bool Session::finish(Outcome& outcome) const {
  outcome.check = report_;
  return report_.ok;
}

void Session::pass(Clock::time_point /*now*/) {
  report_.ok = true;
  report_.reason = CheckReason::none;
  report_.elapsed = Clock::now() - first_start_;
}

void Session::fail(CheckReason reason, std::string detail, Clock::time_point /*now*/) {
  report_.ok = false;
  report_.reason = reason;
  report_.detail = std::move(detail);
  report_.elapsed = Clock::now() - first_start_;
}

Io Session::read(int fd, char* buf, std::size_t len) {
  Io io;
  if (ssl_) {
    ERR_clear_error();
    int n = SSL_read(ssl_.get(), buf, static_cast<int>(len));
    if (n > 0) {
      trace_.note("SSL_read({}) = {}", len, n);
      return {Io::data, static_cast<std::size_t>(n), {}};
    }
    int e = SSL_get_error(ssl_.get(), n);
    int err = errno;
    switch (e) {
      case SSL_ERROR_WANT_READ:
        io.kind = Io::want_read;
        break;
      case SSL_ERROR_WANT_WRITE:
        io.kind = Io::want_write;
        break;
      case SSL_ERROR_ZERO_RETURN:
        io.kind = Io::eof;
        break;
      case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() == 0 && err == 0) {
          io.kind = Io::eof;
        } else {
          io.what = err != 0 ? std::strerror(err) : openssl_error();
        }
        break;
      default:
        io.what = openssl_error();
        break;
    }
    trace_.note("SSL_read({}) = {}", len,
                io.kind == Io::want_read    ? "want-read"
                : io.kind == Io::want_write ? "want-write"
                : io.kind == Io::eof        ? "end of stream"
                                            : io.what);
    return io;
  }
  ssize_t n = ::recv(fd, buf, len, 0);
  int err = errno;
  trace_.call(static_cast<int>(n), err, "recv({}, {})", fd, len);
  if (n > 0) return {Io::data, static_cast<std::size_t>(n), {}};
  if (n == 0) return {Io::eof, 0, {}};
  if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) return {Io::want_read, 0, {}};
  return {Io::error, 0, std::strerror(err)};
}

Io Session::write(int fd, const char* buf, std::size_t len) {
  Io io;
  if (ssl_) {
    ERR_clear_error();
    int n = SSL_write(ssl_.get(), buf, static_cast<int>(len));
    if (n > 0) {
      trace_.note("SSL_write({}) = {}", len, n);
      return {Io::data, static_cast<std::size_t>(n), {}};
    }
    int e = SSL_get_error(ssl_.get(), n);
    int err = errno;
    if (e == SSL_ERROR_WANT_READ) {
      io.kind = Io::want_read;
    } else if (e == SSL_ERROR_WANT_WRITE) {
      io.kind = Io::want_write;
    } else if (e == SSL_ERROR_SYSCALL && err != 0) {
      io.what = std::strerror(err);
    } else {
      io.what = openssl_error();
      if (io.what.empty()) io.what = "the TLS session ended";
    }
    trace_.note("SSL_write({}) = {}", len,
                io.kind == Io::want_read    ? "want-read"
                : io.kind == Io::want_write ? "want-write"
                                            : io.what);
    return io;
  }
  ssize_t n = ::send(fd, buf, len, MSG_NOSIGNAL);
  int err = errno;
  trace_.call(static_cast<int>(n), err, "send({}, {})", fd, len);
  if (n >= 0) return {Io::data, static_cast<std::size_t>(n), {}};
  if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) return {Io::want_write, 0, {}};
  return {Io::error, 0, std::strerror(err)};
}

std::string escape_bytes(std::string_view data, std::size_t limit) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  std::size_t n = std::min(data.size(), limit);
  for (std::size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(data[i]);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (data.size() > limit) out += "...";
  return out;
}

std::string openssl_error() {
  unsigned long e = ERR_peek_last_error();
  std::string what;
  if (e != 0) {
    const char* reason = ERR_reason_error_string(e);
    what = reason ? reason : "error " + std::to_string(ERR_GET_REASON(e));
  }
  ERR_clear_error();
  return what;
}

}  // namespace nbc::detail::check
