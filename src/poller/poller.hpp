// The kernel side of the built-in event loop: readiness pollers over epoll, poll, select and
// io_uring behind one interface, made in one place (make_poller). The io_uring one can also
// connect by itself (IORING_OP_CONNECT). Only EventLoop (event_loop.cpp) uses them.
// Errors follow the library's convention: 0 or a count on success, -errno on failure.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <time.h>

#include "nbconnect/options.hpp"
#include "nbconnect/reactor.hpp"

namespace nbc::detail {

inline constexpr std::uint32_t kReadable = io::readable;
inline constexpr std::uint32_t kWritable = io::writable;
inline constexpr std::uint32_t kError = io::error;
inline constexpr std::uint32_t kHangup = io::hangup;
// Not readiness: a submitted connect completed, and PollEvent::result holds its result.
inline constexpr std::uint32_t kConnected = 1u << 4;
std::string poll_bits_to_string(std::uint32_t bits);  // "OUT|ERR|HUP"

struct PollEvent {
  std::uint64_t token = 0;  // what the caller gave add() or connect()
  std::uint32_t events = 0;
  int result = 0;  // with kConnected: 0 or -errno
};

// Level-triggered interest in a set of descriptors.
class Poller {
 public:
  virtual ~Poller() = default;
  virtual Backend backend() const = 0;
  // Starts watching fd. Returns 0 or -errno; -ERANGE means the backend cannot watch a
  // descriptor that large (select and FD_SETSIZE).
  virtual int add(int fd, std::uint32_t interest, std::uint64_t token) = 0;
  // Stops watching fd; call before closing it. Returns 0 or -errno.
  virtual int remove(int fd) = 0;
  // Waits until at least one event or the timeout (negative: no limit). Returns the number of
  // events written to out, or -errno (-EINTR included: the caller decides whether to wait again).
  virtual int wait(std::span<PollEvent> out, std::chrono::nanoseconds timeout) = 0;

  // Whether connect() works: io_uring with IORING_OP_CONNECT and IORING_OP_LINK_TIMEOUT.
  virtual bool connects() const { return false; }
  // Queues a connect of fd (a blocking socket) to target, cancelled after timeout (-ECANCELED);
  // it reaches the kernel with the next wait(), whose events report it with kConnected. The
  // address is copied. Returns 0 or -errno (-EAGAIN: the ring is full).
  virtual int connect(int fd, const Endpoint& target, std::chrono::nanoseconds timeout,
                      std::uint64_t token);

  void set_tracer(const Tracer* tracer) { tracer_ = tracer && *tracer ? tracer : nullptr; }

 protected:
  // One trace line per wait: the call, its result and, per event, the descriptor (the low half
  // of the token, as the event loop makes them) and what happened.
  void trace_wait(std::string_view call, int result, int err, std::span<const PollEvent> events,
                  std::chrono::nanoseconds timeout) const;
  const Tracer* tracer_ = nullptr;
};

// A non-negative timeout as a timespec for ppoll/pselect/epoll_pwait2.
inline timespec to_timespec(std::chrono::nanoseconds d) {
  return {static_cast<time_t>(d.count() / 1000000000), static_cast<long>(d.count() % 1000000000)};
}

// Creates a poller of the given kind, or returns -errno of why it could not be made. With
// uring_connect, the io_uring poller also connects where the kernel can.
std::expected<std::unique_ptr<Poller>, int> make_poller(Backend backend, unsigned capacity_hint,
                                                        bool uring_connect = false);

std::expected<std::unique_ptr<Poller>, int> make_epoll_poller();
std::expected<std::unique_ptr<Poller>, int> make_poll_poller();
std::expected<std::unique_ptr<Poller>, int> make_select_poller();
std::expected<std::unique_ptr<Poller>, int> make_uring_poller(unsigned entries, bool connects);
bool uring_available();

}  // namespace nbc::detail
