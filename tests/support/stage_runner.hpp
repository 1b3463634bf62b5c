// Test support: runs the stages of one attempt on a connected socket with the built-in EventLoop,
// as the attempt driver does (watch the socket for what a stage wants, arm the attempt's deadline
// or the stage's earlier wake-up, then finish() each stage that ran, in order), so that stages
// can be tested on their own and over every poller backend.
#pragma once

#include <algorithm>
#include <cstdint>

#include "nbconnect/event_loop.hpp"
#include "stage.hpp"

namespace nbc::test {

class StageRunner final : IoHandler, Timer {
 public:
  explicit StageRunner(EventLoop& loop) : loop_(loop) {}

  // Runs `stages` on fd until each is done, one stops the chain, or the deadline passes; writes
  // their results into `outcome`. Returns false when the loop could not watch the socket.
  bool run(detail::Stages& stages, int fd, Clock::time_point deadline, Outcome& outcome) {
    std::size_t ran = 0;
    bool timed_out = false;
    for (auto& stage : stages) {
      Clock::time_point now = Clock::now();
      ++ran;
      if (now >= deadline) {
        stage->on_deadline(now);
        break;
      }
      detail::Stage::Want want = stage->start(fd, now, deadline);
      // Each wait ends with the socket ready or a timer due; the turn limit only guards the test.
      while (want != detail::Stage::Want::done && waits < 100000) {
        ++waits;
        std::uint32_t interest =
            want == detail::Stage::Want::readable ? io::readable : io::writable;
        if (loop_.watch(fd, interest, *this) != 0) return false;
        ready_ = fired_ = false;
        loop_.arm(*this, std::min(deadline, stage->wake_at()));
        for (int turn = 0; !ready_ && !fired_ && turn < 100000; ++turn) {
          ++turns;
          loop_.run_once();
        }
        loop_.unwatch(fd, false);
        loop_.disarm(*this);
        now = Clock::now();
        if (ready_) {
          want = stage->on_ready(fd, now);
        } else if (now >= deadline) {
          stage->on_deadline(now);
          timed_out = true;
          break;
        } else {
          want = stage->on_wake(fd, now);
        }
      }
      if (timed_out) break;
    }
    for (std::size_t i = 0; i < ran; ++i) {
      if (!stages[i]->finish(outcome)) break;
    }
    return true;
  }

  long waits = 0;  // times a stage waited for the socket or a timer
  long turns = 0;  // loop turns in all: close to waits unless something spins

 private:
  void on_io(std::uint32_t /*events*/) override { ready_ = true; }
  void on_timer() override { fired_ = true; }

  EventLoop& loop_;
  bool ready_ = false;
  bool fired_ = false;
};

}  // namespace nbc::test
