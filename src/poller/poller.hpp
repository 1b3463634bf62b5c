// Readiness pollers behind one interface, chosen in one place (make_poller).
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <time.h>

#include "nbconnect/connect.hpp"

namespace nbc::detail {

enum PollBits : std::uint32_t {
  kReadable = 1u << 0,
  kWritable = 1u << 1,
  kError = 1u << 2,
  kHangup = 1u << 3,
};
std::string poll_bits_to_string(std::uint32_t bits);  // "OUT|ERR|HUP"

struct PollEvent {
  int fd = -1;
  std::uint32_t events = 0;
  std::uint64_t token = 0;
};

// Level-triggered interest in a set of descriptors.
class Poller {
 public:
  virtual ~Poller() = default;
  virtual Backend backend() const = 0;
  // Starts watching fd. Returns 0 or an errno; ERANGE means the backend cannot watch a
  // descriptor that large (select and FD_SETSIZE).
  virtual int add(int fd, std::uint32_t interest, std::uint64_t token) = 0;
  // Stops watching fd; call before closing it.
  virtual int remove(int fd) = 0;
  // Waits until at least one watched descriptor is ready or the timeout passes (negative: no
  // limit). Returns the number of events written to out, or -errno (-EINTR included: the
  // caller decides whether to wait again).
  virtual int wait(std::span<PollEvent> out, std::chrono::nanoseconds timeout) = 0;

  void set_tracer(const Tracer* tracer) { tracer_ = tracer; }

 protected:
  void trace_wait(std::string_view call, int result, int err, std::span<const PollEvent> events,
                  std::chrono::nanoseconds timeout) const;
  const Tracer* tracer_ = nullptr;
};

// A non-negative timeout as a timespec for ppoll/pselect/epoll_pwait2.
inline timespec to_timespec(std::chrono::nanoseconds d) {
  return {static_cast<time_t>(d.count() / 1000000000), static_cast<long>(d.count() % 1000000000)};
}

// Creates a poller of the given kind, or returns the errno of why it could not be made.
std::expected<std::unique_ptr<Poller>, int> make_poller(Backend backend, unsigned capacity_hint);

std::unique_ptr<Poller> make_epoll_poller(int& err);
std::unique_ptr<Poller> make_poll_poller(int& err);
std::unique_ptr<Poller> make_select_poller(int& err);
std::unique_ptr<Poller> make_uring_poller(unsigned entries, int& err);
bool uring_available();

}  // namespace nbc::detail
