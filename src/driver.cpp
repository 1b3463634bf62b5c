// The attempt driver (driver.hpp).
#include "driver.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "proxy/proxy_stage.hpp"

namespace nbc::detail {

void Driver::start(const Endpoint& target, const ConnectOptions& options) {
  cancel();
  target_ = &target;
  options_ = &options;
  sockets_ = 0;
  local_retries_ = 0;
  self_retries_ = 0;
  busy_retries_ = 0;
  busy_until_ = Clock::now() + options.timeout;
  in_start_ = true;
  begin(Clock::now());
  in_start_ = false;
}

void Driver::begin(Clock::time_point now) {
  mode_ = Mode::starting;
  pending_streak_ = 0;
  // With a proxy the socket goes to the proxy, and the proxy stage asks it for the target
  // (docs/proxies.md).
  const Endpoint& to = connect_endpoint(*target_, *options_);
  Attempt& attempt = attempt_.emplace(to, *options_);
  ++sockets_;
  // Only a TCP connect goes through the reactor: a UNIX-domain or UDP connect answers at once,
  // and a blocking UNIX connect would wait out a full backlog instead of saying EAGAIN.
  if (reactor_.completes_connects() && target_->family() != Family::unix_domain &&
      options_->protocol == Protocol::tcp) {
    // The reactor connects by itself (IORING_OP_CONNECT): its completion is the answer, and its
    // linked timeout is the deadline.
    if (attempt.start_async(now) == Step::done) return attempt_done(now);
    if (int r = reactor_.submit_connect(attempt.fd(), to, options_->timeout, *this); r < 0) {
      attempt.on_refused(-r, Clock::now());
      return attempt_done(Clock::now());
    }
    mode_ = Mode::submitted;
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
  mode_ = Mode::watching;
  reactor_.arm(*this, attempt_->deadline());
}

void Driver::on_io(std::uint32_t /*events*/) {
  Clock::time_point now = Clock::now();
  if (mode_ == Mode::staging) {
    return stage_step(stages_[current_stage_]->on_ready(attempt_->fd(), now), now);
  }
  if (mode_ != Mode::watching) return;
  if (attempt_->on_ready(now) == Step::done) return attempt_done(now);
  // Ready, yet still pending: typically an ICMP error that arrived while a system call held the
  // socket and was kept as a soft error, which only SO_ERROR reports. The kernel retransmits the
  // SYN later and then fails the socket for good. Watching again at once would spin (readiness
  // is level-triggered) and keep the socket locked, so pause, a little longer each time.
  reactor_.unwatch(attempt_->fd(), false);
  auto pause = std::min<Clock::duration>(
      std::chrono::milliseconds(1) * (1 << std::min(pending_streak_++, 6)),
      attempt_->deadline() - now);
  mode_ = Mode::pausing;
  reactor_.arm(*this, now + pause);
}

void Driver::on_timer() {
  Clock::time_point now = Clock::now();
  switch (mode_) {
    case Mode::watching:
      attempt_->on_deadline(now);
      return attempt_done(now);
    case Mode::pausing:
      if (now >= attempt_->deadline()) {
        attempt_->on_deadline(now);
        mode_ = Mode::starting;  // not watched any more
        return attempt_done(now);
      }
      mode_ = Mode::starting;
      return watch_until_deadline(now);
    case Mode::staging: {
      Stage& stage = *stages_[current_stage_];
      if (now < attempt_->deadline()) return stage_step(stage.on_wake(attempt_->fd(), now), now);
      stage.on_deadline(now);
      return stage_step(Stage::Want::done, now);
    }
    case Mode::backing_off:
      return begin(now);
    case Mode::delivering:
      return deliver();
    default:
      return;
  }
}

void Driver::on_connect(int result) {
  if (mode_ != Mode::submitted) return;
  Clock::time_point now = Clock::now();
  mode_ = Mode::starting;
  if (attempt_->on_connect_result(result, now) == Step::done) return attempt_done(now);
  // The completion said 0 but the method cannot confirm it yet: wait for the socket as the
  // readiness path does (pausing if it keeps saying "pending").
  watch_until_deadline(now);
}

// The attempt has its outcome: stop watching (before take() may close the socket), then retry
// or deliver.
void Driver::attempt_done(Clock::time_point now) {
  if (attempt_->connected() && stages_.empty() && current_stage_ == 0) {
    stages_ = make_stages(*target_, *options_);
    if (!stages_.empty()) return start_stages(now);
  }
  if (mode_ == Mode::watching || (mode_ == Mode::staging && stage_interest_ != 0)) {
    reactor_.unwatch(attempt_->fd(), !attempt_->hands_over_socket());
  }
  reactor_.disarm(*this);
  stages_.clear();
  current_stage_ = 0;
  stage_interest_ = 0;
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
    return back_off(std::move(outcome), backoff, now);
  }
  if (outcome.reason == Reason::backlog_full && now < busy_until_) {
    // A UNIX-domain server with a full backlog is busy, not gone: try again until the deadline.
    auto pause = std::min<std::chrono::nanoseconds>(
        std::min<std::chrono::nanoseconds>(
            options_->busy_backoff * (1 << std::min(busy_retries_, 16)),
            std::chrono::milliseconds(100)),
        busy_until_ - now);
    ++busy_retries_;
    trace.note("server busy (listen backlog full): retrying with a fresh socket in {:.3f} ms",
               to_ms(pause));
    return back_off(std::move(outcome), pause, now);
  }
  if (outcome.reason == Reason::self_connect && self_retries_ < options_->self_connect_retries) {
    ++self_retries_;
    trace.note("self-connect: retrying with a fresh socket");
    listener_.on_retry(*this, outcome);
    return begin(now);
  }
  // Connected (or not) to the proxy: the outcome is about the target, and a failure is the
  // proxy's (proxy-refused / proxy-unreachable), never the target's state.
  if (through_proxy(*target_, *options_)) on_proxy_connected(outcome, *target_, *options_->proxy);
  outcome.attempts = sockets_;
  if (in_start_) {
    // Never call back from inside start(): the caller may not be ready for it (libuv delivers an
    // immediate ECONNREFUSED the same way, as a completion on the next turn).
    result_ = std::make_unique<Outcome>(std::move(outcome));
    mode_ = Mode::delivering;
    reactor_.arm(*this, now);
    return;
  }
  deliver(outcome);
}

// No socket until the timer fires; the failed outcome stands if the attempt is expired meanwhile.
void Driver::back_off(Outcome outcome, std::chrono::nanoseconds pause, Clock::time_point now) {
  outcome.attempts = sockets_;
  result_ = std::make_unique<Outcome>(std::move(outcome));
  mode_ = Mode::backing_off;
  reactor_.arm(*this, now + pause);
}

// Connected: run the stages after connect on the socket, under the attempt's deadline.
void Driver::start_stages(Clock::time_point now) {
  if (mode_ == Mode::watching) {
    // Watched for writability until now; each stage says what it waits for.
    reactor_.unwatch(attempt_->fd(), false);
  }
  reactor_.disarm(*this);
  mode_ = Mode::staging;
  stage_interest_ = 0;
  current_stage_ = 0;
  stage_step(stages_[0]->start(attempt_->fd(), now, attempt_->deadline()), now);
}

// Acts on what the current stage wants: watch the socket for it, or, when it is done, record its
// result and start the next stage (or end the chain).
void Driver::stage_step(Stage::Want want, Clock::time_point now) {
  int fd = attempt_->fd();
  while (want == Stage::Want::done) {
    bool go_on = stages_[current_stage_]->finish(attempt_->outcome());
    if (!go_on || ++current_stage_ == stages_.size()) return end_stages(now);
    if (now >= attempt_->deadline()) {
      stages_[current_stage_]->on_deadline(now);
      stages_[current_stage_]->finish(attempt_->outcome());
      return end_stages(now);
    }
    want = stages_[current_stage_]->start(fd, now, attempt_->deadline());
  }
  std::uint32_t interest = want == Stage::Want::readable ? io::readable : io::writable;
  if (interest != stage_interest_) {
    if (stage_interest_ != 0) reactor_.unwatch(fd, false);
    stage_interest_ = 0;
    if (int r = reactor_.watch(fd, interest, *this); r < 0) {
      Outcome& o = attempt_->outcome();
      o.state = State::error;
      o.reason = Reason::other_errno;
      o.error = -r;
      o.detail = fmt::format("the event loop would not watch the socket: {}", strerror(-r));
      return end_stages(now);
    }
    stage_interest_ = interest;
  }
  reactor_.arm(*this, std::min(attempt_->deadline(), stages_[current_stage_]->wake_at()));
}

// The chain is over: deliver the outcome the stages completed (after the usual clean-up).
void Driver::end_stages(Clock::time_point now) {
  current_stage_ = stages_.size();  // attempt_done() must not make the stages again
  attempt_done(now);
}

// The outcome held while backing off or waiting to be delivered (kept out of line: a scan holds
// a driver per socket in flight, and most never need it).
void Driver::deliver() {
  std::unique_ptr<Outcome> held = std::move(result_);
  deliver(*held);
}

void Driver::deliver(Outcome& outcome) {
  mode_ = Mode::idle;
  listener_.on_attempt_done(*this, outcome);  // may destroy this driver: nothing after it
}

void Driver::expire() {
  switch (mode_) {
    case Mode::idle:
      return;
    case Mode::backing_off:
    case Mode::delivering:
      reactor_.disarm(*this);
      return deliver();
    case Mode::submitted:
      reactor_.cancel_connect(attempt_->fd());
      mode_ = Mode::starting;
      break;
    case Mode::staging: {
      // The stage in progress times out, and no later stage starts.
      Clock::time_point now = Clock::now();
      stages_[current_stage_]->on_deadline(now);
      stages_[current_stage_]->finish(attempt_->outcome());
      in_start_ = false;
      return end_stages(now);
    }
    default:
      break;
  }
  Clock::time_point now = Clock::now();
  attempt_->on_deadline(now);
  in_start_ = false;
  attempt_done(now);  // no-response is never retried by the driver: this delivers it
}

void Driver::cancel() {
  switch (mode_) {
    case Mode::watching:
      reactor_.unwatch(attempt_->fd(), true);
      break;
    case Mode::submitted:
      reactor_.cancel_connect(attempt_->fd());
      break;
    case Mode::staging:
      if (stage_interest_ != 0) reactor_.unwatch(attempt_->fd(), true);
      break;
    default:
      break;
  }
  if (mode_ != Mode::idle) reactor_.disarm(*this);
  stages_.clear();
  current_stage_ = 0;
  stage_interest_ = 0;
  attempt_.reset();  // closes a socket still connecting
  mode_ = Mode::idle;
  result_.reset();
}

}  // namespace nbc::detail
