// A test-local event loop that is not nbconnect's own: a hand-written ppoll() loop implementing
// nbc::Reactor, as a program with its own loop would. The kernel matrix runs nbc::Connector on it
// (the "embedded" entry point) to prove that the attempt driver keeps the Reactor contract with
// any loop, not only with nbc::EventLoop. Readiness only: it does no completion-based connect.
#pragma once

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <map>
#include <vector>

#include "nbconnect/reactor.hpp"

namespace nbc::test {

class ForeignReactor final : public Reactor {
 public:
  int watch(int fd, std::uint32_t interest, IoHandler& handler) override {
    if (fd < 0) return -EBADF;
    // A fresh generation per watch: events polled for an earlier watch of the same descriptor
    // are never delivered to this one.
    watches_[fd] = Watch{&handler, interest, ++generation_};
    return 0;
  }
  void unwatch(int fd, bool /*closing*/) override { watches_.erase(fd); }

  void arm(Timer& timer, Clock::time_point when) override {
    disarm(timer);
    timers_.push_back(Armed{when, &timer, ++serial_});
  }
  void disarm(Timer& timer) override {
    std::erase_if(timers_, [&](const Armed& a) { return a.timer == &timer; });
  }

  // Whether anything is still watched or armed: after an attempt's callback, nothing may be.
  bool busy() const { return !watches_.empty() || !timers_.empty(); }

  // One turn: waits for readiness until the next timer, then delivers what is ready and runs
  // the timers that were due when the turn began. A signal just ends the wait early.
  void run_once() {
    std::vector<pollfd> fds;
    std::vector<std::uint64_t> generations;
    for (const auto& [fd, w] : watches_) {
      short events = 0;
      if (w.interest & io::readable) events |= POLLIN;
      if (w.interest & io::writable) events |= POLLOUT;
      fds.push_back(pollfd{fd, events, 0});
      generations.push_back(w.generation);
    }
    timespec wait{};
    timespec* limit = nullptr;  // no timer: wait for readiness alone
    if (!timers_.empty()) {
      auto next = std::min_element(timers_.begin(), timers_.end(),
                                   [](const Armed& a, const Armed& b) { return a.when < b.when; });
      auto left = std::max(next->when - Clock::now(), Clock::duration::zero());
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      wait.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
      wait.tv_nsec = static_cast<long>(ns % 1'000'000'000);
      limit = &wait;
    }
    int n = ::ppoll(fds.data(), fds.size(), limit, nullptr);
    if (n < 0 && errno != EINTR) return;
    for (std::size_t i = 0; n > 0 && i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      // Contract: a handler unwatched (or watched anew) earlier in this batch gets nothing.
      auto it = watches_.find(fds[i].fd);
      if (it == watches_.end() || it->second.generation != generations[i]) continue;
      std::uint32_t events = 0;
      if (fds[i].revents & POLLIN) events |= io::readable;
      if (fds[i].revents & POLLOUT) events |= io::writable;
      if (fds[i].revents & (POLLERR | POLLNVAL)) events |= io::error;
      if (fds[i].revents & POLLHUP) events |= io::hangup;
      it->second.handler->on_io(events);
    }
    // Timers due at the start of the pass; one re-armed or disarmed by a callback meanwhile has
    // a new serial (or none) and is left for its own time.
    const Clock::time_point now = Clock::now();
    std::vector<Armed> due;
    for (const Armed& a : timers_) {
      if (a.when <= now) due.push_back(a);
    }
    std::sort(due.begin(), due.end(),
              [](const Armed& a, const Armed& b) { return a.when < b.when; });
    for (const Armed& d : due) {
      auto it = std::find_if(timers_.begin(), timers_.end(), [&](const Armed& a) {
        return a.timer == d.timer && a.serial == d.serial;
      });
      if (it == timers_.end()) continue;
      timers_.erase(it);
      d.timer->on_timer();
    }
  }

 private:
  struct Watch {
    IoHandler* handler;
    std::uint32_t interest;
    std::uint64_t generation;
  };
  struct Armed {
    Clock::time_point when;
    Timer* timer;
    std::uint64_t serial;
  };

  std::map<int, Watch> watches_;
  std::vector<Armed> timers_;
  std::uint64_t generation_ = 0;
  std::uint64_t serial_ = 0;
};

}  // namespace nbc::test
