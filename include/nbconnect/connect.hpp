// One non-blocking connect, done right.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "nbconnect/endpoint.hpp"
#include "nbconnect/outcome.hpp"

namespace nbc {

// How the result of a pending connect is read once the socket turns writable.
enum class Method : std::uint8_t {
  so_error,     // getsockopt(SO_ERROR), confirmed with getpeername() when it says 0
  getpeername,  // getpeername(); on ENOTCONN, read(fd, &c, 1) yields the errno
  reconnect,    // connect() again: EISCONN = connected, EALREADY = pending, else the error
  zero_read,    // read(fd, &c, 0): unreliable (always 0 on Linux), kept for the behaviour matrix
};
std::string_view to_string(Method method);
std::optional<Method> parse_method(std::string_view text);

// The readiness poller that waits for a connect to complete.
enum class Backend : std::uint8_t { epoll, poll, select, uring };
std::string_view to_string(Backend backend);
std::optional<Backend> parse_backend(std::string_view text);
// Whether the backend works on this machine (io_uring may be compiled out or disabled).
bool backend_available(Backend backend);

// Called with one line per system call and its result when tracing (`-v`).
using Tracer = std::function<void(std::string_view line)>;

// A socket option set after socket() and before connect().
struct SocketOption {
  int level = 0;
  int name = 0;
  std::vector<unsigned char> value;
};

struct ConnectOptions {
  std::chrono::nanoseconds timeout = std::chrono::seconds(5);
  Method method = Method::so_error;
  Backend backend = Backend::epoll;
  std::optional<Endpoint> source;   // bind() to this address (and port, when non-zero) first
  bool linger_zero = false;         // close with RST: a probe leaves no TIME_WAIT behind
  bool keep_socket = true;          // hand the connected socket back in the Outcome
  std::vector<SocketOption> socket_options;
  int local_error_retries = 3;      // fresh sockets tried after a local error (with back-off)
  int self_connect_retries = 2;     // fresh sockets tried after a self-connect
  Tracer trace;                     // empty: no tracing
};

// Connects to target, waiting at most options.timeout per attempt. Never raises SIGPIPE, installs
// no signal handler and leaks no descriptor. Local errors and self-connects are retried with a
// fresh socket before they are reported.
Outcome connect(const Endpoint& target, const ConnectOptions& options = {});

}  // namespace nbc
