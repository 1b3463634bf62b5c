// One connect, waited for on a private poller: the library's simplest entry point.
#include "nbconnect/connect.hpp"

#include <time.h>

#include <array>
#include <cerrno>

#include "attempt.hpp"
#include "poller/poller.hpp"

namespace nbc {
namespace {

using detail::Attempt;
using detail::Clock;
using detail::Step;

Outcome local_failure(const Endpoint& target, int err, Reason reason, std::string detail) {
  Outcome o;
  o.peer = target;
  o.state = State::error;
  o.reason = reason;
  o.error = err;
  o.phase = Phase::socket;
  o.detail = std::move(detail);
  return o;
}

// Sleeps the whole duration; a signal does not cut the back-off short.
void sleep_for(std::chrono::nanoseconds d) {
  timespec until{};
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += static_cast<time_t>(d.count() / 1000000000);
  until.tv_nsec += static_cast<long>(d.count() % 1000000000);
  if (until.tv_nsec >= 1000000000) {
    until.tv_nsec -= 1000000000;
    ++until.tv_sec;
  }
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) == EINTR) {
  }
}

// Runs one attempt to its end on the poller.
// The poller is made on first need, after the first socket: a connect that answers at once needs
// none, and the socket gets the lowest descriptor, as in a hand-written program.
Outcome run_attempt(const Endpoint& target, const ConnectOptions& options,
                    std::unique_ptr<detail::Poller>& poller_slot) {
  Attempt attempt(target, options);
  if (attempt.start(Clock::now()) == Step::done) return attempt.take();

  if (!poller_slot) {
    auto made = detail::make_poller(options.backend, 4);
    if (!made) {
      return local_failure(
          target, made.error(), classify_errno(made.error()).reason,
          std::string("cannot create the ") + std::string(to_string(options.backend)) + " poller");
    }
    poller_slot = std::move(*made);
    poller_slot->set_tracer(options.trace ? &options.trace : nullptr);
  }
  detail::Poller& poller = *poller_slot;
  int fd = attempt.fd();
  if (int err = poller.add(fd, detail::kWritable, static_cast<std::uint64_t>(fd)); err != 0) {
    // Dropping the attempt closes its socket.
    if (err == ERANGE) {
      return local_failure(
          target, 0, Reason::fd_setsize,
          "descriptor " + std::to_string(fd) + " is not below FD_SETSIZE (" +
              std::to_string(FD_SETSIZE) +
              "): the select backend cannot watch it; use --backend poll or epoll");
    }
    return local_failure(target, err, classify_errno(err).reason, "the poller refused the socket");
  }
  std::array<detail::PollEvent, 4> events{};
  Step step = Step::wait_writable;
  int pending_streak = 0;
  while (step == Step::wait_writable) {
    auto now = Clock::now();
    if (now >= attempt.deadline()) {
      attempt.on_deadline(now);
      break;
    }
    if (pending_streak > 0) {
      // The poller said ready but the method said "still pending": typically an ICMP error that
      // arrived while a system call held the socket and was kept as a soft error, which only
      // SO_ERROR reports. The kernel retransmits the SYN later and then fails the socket for
      // good. Polling again at once would spin (the readiness is level-triggered) and keep the
      // socket locked, so pause, a little longer each time.
      auto pause = std::min<std::chrono::nanoseconds>(
          std::chrono::milliseconds(1) * (1 << std::min(pending_streak - 1, 6)),
          attempt.deadline() - now);
      sleep_for(pause);
      now = Clock::now();
      if (now >= attempt.deadline()) {
        attempt.on_deadline(now);
        break;
      }
    }
    int n = poller.wait(events, attempt.deadline() - now);
    if (n == -EINTR) continue;  // a signal: wait again for the time that is left
    if (n < 0) {
      attempt.on_deadline(Clock::now());
      break;
    }
    for (int i = 0; i < n && step == Step::wait_writable; ++i) {
      step = attempt.on_ready(events[i].events, Clock::now());
    }
    if (n > 0 && step == Step::wait_writable) ++pending_streak;
  }
  // Remove before the socket can be closed: take() may hand the open socket to the caller.
  poller.remove(fd);
  return attempt.take();
}

}  // namespace

Outcome connect(const Endpoint& target, const ConnectOptions& options) {
  if (target.empty()) return local_failure(target, EINVAL, Reason::other_errno, "no address");
  std::unique_ptr<detail::Poller> poller;
  detail::Trace trace(&options.trace);

  int local_retries = 0;
  int self_retries = 0;
  for (int attempts = 1;; ++attempts) {
    Outcome outcome = run_attempt(target, options, poller);
    outcome.attempts = attempts;
    if (outcome.reason == Reason::local_resources && local_retries < options.local_error_retries) {
      // A local shortage is not the peer's answer: back off, then try with a fresh socket.
      auto backoff = std::chrono::milliseconds(10) * (1 << local_retries++);
      trace.note("local error {}: retrying with a fresh socket in {} ms", errno_name(outcome.error),
                 backoff.count());
      sleep_for(backoff);
      continue;
    }
    if (outcome.reason == Reason::self_connect && self_retries < options.self_connect_retries) {
      ++self_retries;
      trace.note("self-connect: retrying with a fresh socket");
      continue;
    }
    return outcome;
  }
}

}  // namespace nbc
