// The attempt driver (driver.hpp).
#include "driver.hpp"

#include <algorithm>

#include "proxy/proxy_stage.hpp"

namespace nbc::detail {

void Driver::start(const Endpoint& target, const ConnectOptions& options) {
  cancel();
  target_ = &target;
  options_ = &options;
  sockets_ = 0;
  local_retries_ = 0;
  self_retries_ = 0;
  in_start_ = true;
  begin(Clock::now());
  in_start_ = false;
}

void Driver::begin(Clock::time_point now) {
  stage_ = Stage::starting;
  pending_streak_ = 0;
  // With a proxy the socket goes to the proxy, and the proxy stage asks it for the target
  // (docs/proxies.md).
  const Endpoint& to = connect_endpoint(*target_, *options_);
  Attempt& attempt = attempt_.emplace(to, *options_);
  ++sockets_;
  if (reactor_.completes_connects()) {
    // The reactor connects by itself (IORING_OP_CONNECT): its completion is the answer, and its
    // linked timeout is the deadline.
    if (attempt.start_async(now) == Step::done) return attempt_done(now);
    if (int r = reactor_.submit_connect(attempt.fd(), to, options_->timeout, *this); r < 0) {
      attempt.on_refused(-r, Clock::now());
      return attempt_done(Clock::now());
    }
    stage_ = Stage::submitted;
    return;
  }
  Step step = attempt.start(now);
  if (step == Step::wait_writable && options_->eager_check && to.is_loopback() &&
      options_->method != Method::zero_read) {
    // On loopback the kernel has usually answered within connect() itself: asking now saves
    // watching the socket at all. Not with zero-read, which cannot say "pending": it would call
    // every connect still in progress a success.
    step = attempt.on_ready(Clock::now());
  }
  if (step == Step::done) return attempt_done(Clock::now());
  watch_until_deadline(Clock::now());
}

// Watches the socket for writability with the timer on the deadline (stage is not watching yet).
void Driver::watch_until_deadline(Clock::time_point now) {
  if (int r = reactor_.watch(attempt_->fd(), io::writable, *this); r < 0) {
    attempt_->on_refused(-r, now);
    return attempt_done(now);
  }
  stage_ = Stage::watching;
  reactor_.arm(*this, attempt_->deadline());
}

void Driver::on_io(std::uint32_t /*events*/) {
  if (stage_ != Stage::watching) return;
  Clock::time_point now = Clock::now();
  if (attempt_->on_ready(now) == Step::done) return attempt_done(now);
  // Ready, yet still pending: typically an ICMP error that arrived while a system call held the
  // socket and was kept as a soft error, which only SO_ERROR reports. The kernel retransmits the
  // SYN later and then fails the socket for good. Watching again at once would spin (readiness
  // is level-triggered) and keep the socket locked, so pause, a little longer each time.
  reactor_.unwatch(attempt_->fd(), false);
  auto pause = std::min<Clock::duration>(
      std::chrono::milliseconds(1) * (1 << std::min(pending_streak_++, 6)),
      attempt_->deadline() - now);
  stage_ = Stage::pausing;
  reactor_.arm(*this, now + pause);
}

void Driver::on_timer() {
  Clock::time_point now = Clock::now();
  switch (stage_) {
    case Stage::watching:
      attempt_->on_deadline(now);
      return attempt_done(now);
    case Stage::pausing:
      if (now >= attempt_->deadline()) {
        attempt_->on_deadline(now);
        stage_ = Stage::starting;  // not watched any more
        return attempt_done(now);
      }
      stage_ = Stage::starting;
      return watch_until_deadline(now);
    case Stage::backing_off:
      return begin(now);
    case Stage::delivering:
      return deliver();
    default:
      return;
  }
}

void Driver::on_connect(int result) {
  if (stage_ != Stage::submitted) return;
  Clock::time_point now = Clock::now();
  stage_ = Stage::starting;
  if (attempt_->on_connect_result(result, now) == Step::done) return attempt_done(now);
  // The completion said 0 but the method cannot confirm it yet: wait for the socket as the
  // readiness path does (pausing if it keeps saying "pending").
  watch_until_deadline(now);
}

// The attempt has its outcome: stop watching (before take() may close the socket), then retry
// or deliver.
void Driver::attempt_done(Clock::time_point now) {
  if (stage_ == Stage::watching) {
    reactor_.unwatch(attempt_->fd(), !attempt_->hands_over_socket());
  }
  reactor_.disarm(*this);
  Outcome outcome = attempt_->take();
  attempt_.reset();
  Trace trace(&options_->trace);
  if (outcome.reason == Reason::local_resources && local_retries_ < options_->local_error_retries) {
    // A local shortage is not the peer's answer: back off, then try with a fresh socket.
    auto backoff = std::min<std::chrono::nanoseconds>(
        options_->local_error_backoff * (1 << std::min(local_retries_, 20)),
        options_->local_error_backoff_max);
    ++local_retries_;
    trace.note("local error {}: retrying with a fresh socket in {:.3f} ms",
               errno_name(outcome.error), to_ms(backoff));
    listener_.on_retry(*this, outcome);
    outcome.attempts = sockets_;
    // It stands if the attempt is expired while it backs off.
    result_ = std::make_unique<Outcome>(std::move(outcome));
    stage_ = Stage::backing_off;
    reactor_.arm(*this, now + backoff);
    return;
  }
  if (outcome.reason == Reason::self_connect && self_retries_ < options_->self_connect_retries) {
    ++self_retries_;
    trace.note("self-connect: retrying with a fresh socket");
    listener_.on_retry(*this, outcome);
    return begin(now);
  }
  // Connected (or not) to the proxy: the outcome is about the target, and a failure is the
  // proxy's (proxy-refused / proxy-unreachable), never the target's state.
  if (options_->proxy) on_proxy_connected(outcome, *target_, *options_->proxy);
  outcome.attempts = sockets_;
  if (in_start_) {
    // Never call back from inside start(): the caller may not be ready for it (libuv delivers an
    // immediate ECONNREFUSED the same way, as a completion on the next turn).
    result_ = std::make_unique<Outcome>(std::move(outcome));
    stage_ = Stage::delivering;
    reactor_.arm(*this, now);
    return;
  }
  deliver(outcome);
}

// The outcome held while backing off or waiting to be delivered (kept out of line: a scan holds
// a driver per socket in flight, and most never need it).
void Driver::deliver() {
  std::unique_ptr<Outcome> held = std::move(result_);
  deliver(*held);
}

void Driver::deliver(Outcome& outcome) {
  stage_ = Stage::idle;
  listener_.on_attempt_done(*this, outcome);  // may destroy this driver: nothing after it
}

void Driver::expire() {
  switch (stage_) {
    case Stage::idle:
      return;
    case Stage::backing_off:
    case Stage::delivering:
      reactor_.disarm(*this);
      return deliver();
    case Stage::submitted:
      reactor_.cancel_connect(attempt_->fd());
      stage_ = Stage::starting;
      break;
    default:
      break;
  }
  Clock::time_point now = Clock::now();
  attempt_->on_deadline(now);
  in_start_ = false;
  attempt_done(now);  // no-response is never retried by the driver: this delivers it
}

void Driver::cancel() {
  switch (stage_) {
    case Stage::watching:
      reactor_.unwatch(attempt_->fd(), true);
      break;
    case Stage::submitted:
      reactor_.cancel_connect(attempt_->fd());
      break;
    default:
      break;
  }
  if (stage_ != Stage::idle) reactor_.disarm(*this);
  attempt_.reset();  // closes a socket still connecting
  stage_ = Stage::idle;
  result_.reset();
}

}  // namespace nbc::detail
