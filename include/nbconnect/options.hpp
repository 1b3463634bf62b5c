// The vocabulary of an attempt: how a connect is made and read (Method), what waits for it
// (Backend), what is set on its socket, and how it is traced. Shared by the single connect, the
// attempt driver, the engine and the dialer; it declares no operation.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "nbconnect/check.hpp"
#include "nbconnect/endpoint.hpp"
#include "nbconnect/proxy.hpp"

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

// The kernel interface the built-in event loop waits with.
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

// Everything one attempt needs besides its target. The retry counts and back-off are applied by
// the attempt driver (connector.hpp), whichever entry point runs it.
struct ConnectOptions {
  std::chrono::nanoseconds timeout = std::chrono::seconds(5);  // per socket tried
  Protocol protocol = Protocol::tcp;
  // UDP: the probe's payload (empty: a zero-length datagram), and how many times it is sent again
  // while no answer came, evenly spaced within the timeout.
  std::vector<unsigned char> udp_payload;
  int udp_resends = 0;
  Method method = Method::so_error;
  Backend backend = Backend::epoll;  // for the loops the library makes itself
  std::optional<Endpoint> source;    // bind() to this address (and port, when non-zero) first
  bool linger_zero = false;          // close with RST: a probe leaves no TIME_WAIT behind
  bool keep_socket = true;           // hand the connected socket back in the Outcome
  std::vector<SocketOption> socket_options;
  // Fresh sockets tried after a local error (EMFILE, EADDRNOTAVAIL, ...), after a back-off of
  // local_error_backoff, doubling each time up to local_error_backoff_max.
  int local_error_retries = 3;
  std::chrono::nanoseconds local_error_backoff = std::chrono::milliseconds(10);
  std::chrono::nanoseconds local_error_backoff_max = std::chrono::milliseconds(320);
  int self_connect_retries = 2;  // fresh sockets tried after a self-connect, at once
  // A UNIX-domain server whose listen backlog is full (Linux answers EAGAIN: "server busy") is
  // tried again with a fresh socket after this pause, doubling up to 100ms, until the timeout;
  // then the outcome is filtered/backlog-full.
  std::chrono::nanoseconds busy_backoff = std::chrono::milliseconds(2);
  // On loopback the kernel has usually answered within connect() itself: read the result at once
  // instead of watching the socket first (saves two system calls per refused probe; the engine
  // sets it). Ignored with zero-read, which cannot tell a connect in progress from a connection.
  bool eager_check = false;
  // Connect through this proxy (docs/proxies.md): the socket goes to proxy->endpoint, and the
  // proxy's answer to "connect to the target" decides the outcome.
  std::optional<ProxyOptions> proxy;
  // Checks after connecting (check.hpp, docs/checks.md): TLS, send/expect, HTTP, as stages of
  // the attempt under its deadline; their report is the outcome's `check`.
  std::optional<CheckOptions> check;
  Tracer trace;  // empty: no tracing
};

}  // namespace nbc
