// The event-loop interface every asynchronous piece of nbconnect runs on: the attempt driver
// (Connector), the scan loop (Scanner) and the dialer. It asks for three things — watch a
// descriptor, stop watching it, and one-shot timers — and, optionally, a completion-based
// connect (io_uring). The built-in EventLoop implements it over epoll, poll, select or io_uring;
// a program with its own loop (asio, libuv, a hand-written epoll loop) implements it in a few
// dozen lines (see examples/asio_connect.cpp and examples/libuv_connect.cpp) and nbconnect's
// connects then run on that loop, on its thread, without a thread of their own.
//
// Contract (single-threaded: every call and every callback on the loop's thread):
// - watch(fd, interest, h): from then on, h.on_io(events) is called whenever fd is ready for
//   `interest` (level-triggered: again on a later turn if it stays ready; a one-shot loop such as
//   asio re-arms itself after each delivery), until unwatch(fd). Errors and hang-ups are always
//   reported, whatever the interest.
// - watch() on a descriptor that is already watched is an error (-EEXIST): the library changes
//   an interest by unwatch() and watch() again.
// - The library calls unwatch(fd) before it closes fd, and disarm(t) before a Timer dies (also
//   from inside that timer's own on_timer()).
//   Callbacks may call back into the reactor (watch, unwatch, arm, disarm) and may destroy
//   other handlers: the reactor must not deliver to a handler that was unwatched or disarmed,
//   even later in the same batch of events.
// - Errors are returned as -errno (0 = success), the convention of the whole library.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "nbconnect/endpoint.hpp"

namespace nbc {

using Clock = std::chrono::steady_clock;

// Readiness bits, in interests and in events.
namespace io {
inline constexpr std::uint32_t readable = 1u << 0;
inline constexpr std::uint32_t writable = 1u << 1;
inline constexpr std::uint32_t error = 1u << 2;   // events only
inline constexpr std::uint32_t hangup = 1u << 3;  // events only
}  // namespace io

// Receives the readiness of a watched descriptor.
class IoHandler {
 public:
  virtual void on_io(std::uint32_t events) = 0;
  // Free for the reactor: an adapter may hang its per-watch state here.
  void* reactor_data = nullptr;

 protected:
  ~IoHandler() = default;
};

// A one-shot timer. Arming it again moves it.
class Timer {
 public:
  virtual void on_timer() = 0;
  // Free for the reactor (the built-in loop keeps its heap position here).
  void* reactor_data = nullptr;
  std::size_t reactor_slot = static_cast<std::size_t>(-1);

 protected:
  ~Timer() = default;
};

// Receives the result of a completion-based connect: 0, or -errno (-ECANCELED: the deadline).
class ConnectHandler {
 public:
  virtual void on_connect(int result) = 0;

 protected:
  ~ConnectHandler() = default;
};

class Reactor {
 public:
  virtual ~Reactor() = default;

  // Starts watching fd. Returns 0 or -errno; -ERANGE when this reactor cannot watch a
  // descriptor that large (select() and FD_SETSIZE).
  virtual int watch(int fd, std::uint32_t interest, IoHandler& handler) = 0;
  // Stops watching fd. `closing`: the caller closes it right after (an epoll reactor may skip
  // the system call, since closing the last reference drops it from the set).
  virtual void unwatch(int fd, bool closing) = 0;
  // Calls timer.on_timer() once, at `when` or as soon after as the loop can.
  virtual void arm(Timer& timer, Clock::time_point when) = 0;
  virtual void disarm(Timer& timer) = 0;

  // A completion-based connect: the reactor connects fd (a *blocking* socket) to target itself
  // and reports the result, or -ECANCELED once `timeout` passed. Only where completes_connects().
  virtual bool completes_connects() const { return false; }
  virtual int submit_connect(int /*fd*/, const Endpoint& /*target*/,
                             std::chrono::nanoseconds /*timeout*/, ConnectHandler& /*handler*/) {
    return -95;  // -EOPNOTSUPP
  }
  // Forgets a submitted connect (its socket is about to close); its handler is not called.
  virtual void cancel_connect(int /*fd*/) {}
};

}  // namespace nbc
