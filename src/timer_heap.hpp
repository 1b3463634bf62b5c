// The built-in event loop's timers: a binary min-heap of nbc::Timer, ordered by time and then
// by arming order, each timer knowing its position (Timer::reactor_slot) so that moving or
// disarming it is O(log n).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nbconnect/reactor.hpp"

namespace nbc::detail {

class TimerHeap {
 public:
  static constexpr std::size_t kNotArmed = static_cast<std::size_t>(-1);

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  Clock::time_point next() const { return heap_.front().when; }
  std::uint64_t next_sequence() const { return heap_.front().sequence; }
  // The sequence number the next arm() will get: timers armed from now on have one at least.
  std::uint64_t sequence() const { return sequence_; }

  void arm(Timer& timer, Clock::time_point when) {
    if (timer.reactor_slot != kNotArmed) remove_at(timer.reactor_slot);
    heap_.push_back(Entry{when, sequence_++, &timer});
    timer.reactor_slot = heap_.size() - 1;
    up(heap_.size() - 1);
  }

  void disarm(Timer& timer) {
    if (timer.reactor_slot == kNotArmed) return;
    remove_at(timer.reactor_slot);
  }

  // Removes and returns the earliest timer.
  Timer* pop() {
    Timer* t = heap_.front().timer;
    remove_at(0);
    return t;
  }

 private:
  struct Entry {
    Clock::time_point when;
    std::uint64_t sequence;
    Timer* timer;
  };

  static bool before(const Entry& a, const Entry& b) {
    return a.when < b.when || (a.when == b.when && a.sequence < b.sequence);
  }

  void place(std::size_t i, Entry e) {
    heap_[i] = e;
    e.timer->reactor_slot = i;
  }

  void remove_at(std::size_t i) {
    heap_[i].timer->reactor_slot = kNotArmed;
    Entry last = heap_.back();
    heap_.pop_back();
    if (i == heap_.size()) return;
    place(i, last);
    if (i > 0 && before(heap_[i], heap_[(i - 1) / 2])) {
      up(i);
    } else {
      down(i);
    }
  }

  void up(std::size_t i) {
    Entry e = heap_[i];
    while (i > 0) {
      std::size_t parent = (i - 1) / 2;
      if (!before(e, heap_[parent])) break;
      place(i, heap_[parent]);
      i = parent;
    }
    place(i, e);
  }

  void down(std::size_t i) {
    Entry e = heap_[i];
    const std::size_t n = heap_.size();
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
      if (!before(heap_[child], e)) break;
      place(i, heap_[child]);
      i = child;
    }
    place(i, e);
  }

  std::vector<Entry> heap_;
  std::uint64_t sequence_ = 0;
};

}  // namespace nbc::detail
