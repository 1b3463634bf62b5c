// Budgets of the engine: descriptors, attempts per second, and the in-flight window that shrinks
// when the host runs short of a local resource and grows back as attempts succeed.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>

namespace nbc::detail {

// Descriptors free under `limit` (RLIMIT_NOFILE), counted only when the limit is at most 4096;
// above it, `limit` itself.
std::size_t free_descriptors(std::size_t limit);

using LimitClock = std::chrono::steady_clock;

// A token bucket: `rate` attempts per second with a small burst.
class RateLimiter {
 public:
  RateLimiter() = default;
  RateLimiter(double rate, LimitClock::time_point now);
  bool limited() const { return rate_ > 0; }
  // Takes one token if there is one.
  bool take(LimitClock::time_point now);
  // When the next token is due.
  LimitClock::time_point next_token() const;

 private:
  void refill(LimitClock::time_point now);
  double rate_ = 0;
  double burst_ = 1;
  double tokens_ = 0;
  LimitClock::time_point last_{};
};

// The in-flight window: multiplicative decrease on a local error, additive increase after.
class Window {
 public:
  explicit Window(std::size_t max = 1) : max_(std::max<std::size_t>(1, max)), current_(max_) {}
  std::size_t size() const { return current_; }
  // A local resource ran out with `in_flight` sockets open: fall well below that.
  void shrink(std::size_t in_flight) {
    current_ = std::max<std::size_t>(1, std::min(current_, in_flight) * 3 / 4);
  }
  void grow() {
    if (current_ < max_) ++current_;
  }

 private:
  std::size_t max_;
  std::size_t current_;
};

// The back-off after consecutive local errors: 10 ms doubling up to 320 ms.
inline std::chrono::milliseconds local_backoff(int consecutive) {
  return std::chrono::milliseconds(10) * (1 << std::min(consecutive, 5));
}

}  // namespace nbc::detail
