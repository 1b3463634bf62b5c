// The engine's budgets (limits.hpp): descriptor limits, the rate limiter.
#include "limits.hpp"

#include <fcntl.h>
#include <sys/resource.h>

#include <cmath>

#include "nbconnect/engine.hpp"

namespace nbc {

std::size_t raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  if (lim.rlim_cur == RLIM_INFINITY) return std::size_t{1} << 20;
  return static_cast<std::size_t>(lim.rlim_cur);
}

std::size_t fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur == RLIM_INFINITY) return std::size_t{1} << 20;
  return static_cast<std::size_t>(lim.rlim_cur);
}

std::size_t default_concurrency(std::size_t fd_limit) {
  // Keep descriptors for stdio, the pollers, files and libraries: 1/64 of the limit, at least 24.
  std::size_t reserve = std::max<std::size_t>(24, fd_limit / 64);
  if (fd_limit <= reserve + 8) return 8;
  // Far more sockets than this only cost memory: a loop cannot start them faster than they time
  // out.
  return std::min<std::size_t>(fd_limit - reserve, 200000);
}

}  // namespace nbc

namespace nbc::detail {

// Descriptors free under the limit, counted only when the limit is small enough for it to matter
// (and for the count to be cheap).
std::size_t free_descriptors(std::size_t limit) {
  if (limit > 4096) return limit;
  std::size_t used = 0;
  for (std::size_t fd = 0; fd < limit; ++fd) used += ::fcntl(static_cast<int>(fd), F_GETFD) >= 0;
  return limit - std::min(used, limit);
}

RateLimiter::RateLimiter(double rate, LimitClock::time_point now)
    : rate_(rate), burst_(std::max(1.0, rate / 100.0)), tokens_(1.0), last_(now) {}

void RateLimiter::refill(LimitClock::time_point now) {
  if (now <= last_) return;
  double dt = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + dt * rate_);
  last_ = now;
}

bool RateLimiter::take(LimitClock::time_point now) {
  if (rate_ <= 0) return true;
  refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

LimitClock::time_point RateLimiter::next_token() const {
  if (rate_ <= 0 || tokens_ >= 1.0) return last_;
  double wait = (1.0 - tokens_) / rate_;
  return last_ +
         std::chrono::duration_cast<LimitClock::duration>(std::chrono::duration<double>(wait));
}

}  // namespace nbc::detail
