// Test support: drives one Stage (src/stage.hpp) on a connected socket with the built-in event
// loop, the way the attempt driver does (watch for what the stage wants, a timer for its wake-up
// and the deadline), so that a stage can be tested on its own. An optional `between` callback
// runs before every loop turn: a scripted peer on the socket's other end uses it to send its
// answer a byte at a time, which splits each message across reads.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <functional>
#include <memory>

#include "nbconnect/event_loop.hpp"
#include "stage.hpp"

namespace nbc::test {

struct StageRun {
  Outcome outcome;         // what finish() wrote into an open outcome
  bool continues = true;   // finish()'s answer
  bool timed_out = false;  // on_deadline() was called
  int turns = 0;           // loop turns it took
  std::chrono::nanoseconds elapsed{0};
  std::chrono::nanoseconds cpu{0};  // this process's user+system CPU time during the run
};

inline std::chrono::nanoseconds process_cpu_time() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto tv = [](timeval t) {
    return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec);
  };
  return tv(usage.ru_utime) + tv(usage.ru_stime);
}

class SingleStageRunner final : public IoHandler, public Timer {
 public:
  SingleStageRunner(detail::Stage& stage, int fd) : stage_(stage), fd_(fd) {}

  // Runs the stage to the end or the deadline (at most max_turns loop turns), then finish().
  StageRun run(std::chrono::nanoseconds timeout, const std::function<void()>& between = {},
               int max_turns = 10000) {
    StageRun result;
    const auto cpu0 = process_cpu_time();
    const auto t0 = Clock::now();
    deadline_ = t0 + timeout;
    result.outcome.state = State::open;
    result.outcome.reason = Reason::syn_ack;
    result.outcome.phase = Phase::completion;
    apply(stage_.start(fd_, t0, deadline_));
    while (!done_ && result.turns < max_turns) {
      if (between) between();
      loop_.run_once(std::chrono::seconds(1));
      ++result.turns;
    }
    unwatch();
    loop_.disarm(*this);
    result.timed_out = timed_out_;
    result.continues = stage_.finish(result.outcome);
    result.elapsed = Clock::now() - t0;
    result.cpu = process_cpu_time() - cpu0;
    return result;
  }

  void on_io(std::uint32_t /*events*/) override {
    unwatch();
    apply(stage_.on_ready(fd_, Clock::now()));
  }
  void on_timer() override {
    const auto now = Clock::now();
    if (now >= deadline_) {
      unwatch();
      timed_out_ = true;
      stage_.on_deadline(now);
      done_ = true;
      return;
    }
    unwatch();
    apply(stage_.on_wake(fd_, now));
  }

 private:
  void apply(detail::Stage::Want want) {
    if (want == detail::Stage::Want::done) {
      done_ = true;
      loop_.disarm(*this);
      return;
    }
    loop_.watch(fd_, want == detail::Stage::Want::readable ? io::readable : io::writable, *this);
    watched_ = true;
    loop_.arm(*this, std::min(deadline_, stage_.wake_at()));
  }
  void unwatch() {
    if (watched_) loop_.unwatch(fd_, false);
    watched_ = false;
  }

  detail::Stage& stage_;
  int fd_;
  EventLoop loop_;
  Clock::time_point deadline_{};
  bool done_ = false;
  bool watched_ = false;
  bool timed_out_ = false;
};

}  // namespace nbc::test
