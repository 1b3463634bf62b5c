// nbc::Reactor on a libuv loop: nbconnect's Connectors then run on the loop's thread, next to the
// program's own libuv handles. Copy it into your program.
//
// - A watched descriptor gets a uv_poll_t (level-triggered, as the contract asks). unwatch() stops
//   it at once, which also drops events of that descriptor still pending in the current batch,
//   and closes it; uv_close() finishes on a later turn, so the handle is freed in its close
//   callback. libuv allows one poll handle per descriptor and wants it stopped before the
//   descriptor is closed: the library calls unwatch() before close(), as the contract says.
// - A Timer gets a uv_timer_t while it is armed, found through Timer::reactor_data.
// - libuv's error codes are already -errno on Unix, the library's convention.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <unordered_map>

#include "nbconnect/reactor.hpp"

class LibuvReactor final : public nbc::Reactor {
 public:
  explicit LibuvReactor(uv_loop_t* loop) : loop_(loop) {}
  ~LibuvReactor() override {
    for (auto& [fd, poll] : polls_) close(poll);
  }

  int watch(int fd, std::uint32_t interest, nbc::IoHandler& handler) override {
    Poll*& poll = polls_[fd];
    if (poll == nullptr) {  // else watching again: uv_poll_start() changes the events
      poll = new Poll{{}, &handler, 0};
      poll->handle.data = poll;
      if (int err = uv_poll_init(loop_, &poll->handle, fd); err < 0) {
        delete poll;
        polls_.erase(fd);
        return err;
      }
    }
    poll->handler = &handler;
    poll->events = ((interest & nbc::io::readable) ? UV_READABLE : 0) |
                   ((interest & nbc::io::writable) ? UV_WRITABLE : 0) | UV_DISCONNECT;
    if (int err = uv_poll_start(&poll->handle, poll->events, on_poll); err < 0) {
      unwatch(fd, false);
      return err;
    }
    return 0;
  }

  void unwatch(int fd, bool /*closing*/) override {
    auto it = polls_.find(fd);
    if (it == polls_.end()) return;
    close(it->second);
    polls_.erase(it);
  }

  void arm(nbc::Timer& timer, nbc::Clock::time_point when) override {
    auto* armed = static_cast<Armed*>(timer.reactor_data);
    if (armed == nullptr) {  // else uv_timer_start() moves the running timer
      armed = new Armed{{}, &timer};
      armed->handle.data = armed;
      uv_timer_init(loop_, &armed->handle);
      timer.reactor_data = armed;
    }
    // libuv counts from the time it cached at the start of the turn: refresh it, round up.
    uv_update_time(loop_);
    auto delay = std::chrono::ceil<std::chrono::milliseconds>(when - nbc::Clock::now());
    uv_timer_start(&armed->handle, on_timer, delay.count() > 0 ? delay.count() : 0, 0);
  }

  void disarm(nbc::Timer& timer) override {
    if (auto* armed = static_cast<Armed*>(timer.reactor_data)) close(armed);
  }

 private:
  struct Poll {
    uv_poll_t handle;
    nbc::IoHandler* handler;
    int events;
  };
  struct Armed {
    uv_timer_t handle;
    nbc::Timer* owner;
  };

  static void on_poll(uv_poll_t* handle, int status, int events) {
    auto* poll = static_cast<Poll*>(handle->data);
    std::uint32_t bits = ((events & UV_READABLE) ? nbc::io::readable : 0) |
                         ((events & UV_WRITABLE) ? nbc::io::writable : 0) |
                         ((events & UV_DISCONNECT) ? nbc::io::hangup : 0) |
                         (status < 0 ? nbc::io::error : 0);
    poll->handler->on_io(bits);
    // On POLLERR libuv stops the handle (status UV_EBADF): restart it while still watched, so
    // that the error is delivered again on later turns, level-triggered as the contract says.
    if (status < 0 && !uv_is_closing(reinterpret_cast<uv_handle_t*>(handle)))
      uv_poll_start(handle, poll->events, on_poll);
  }

  static void on_timer(uv_timer_t* handle) {
    auto* armed = static_cast<Armed*>(handle->data);
    nbc::Timer* timer = armed->owner;
    close(armed);  // one-shot: no longer armed
    timer->on_timer();
  }

  static void close(Poll* poll) {
    uv_poll_stop(&poll->handle);
    uv_close(reinterpret_cast<uv_handle_t*>(&poll->handle),
             [](uv_handle_t* handle) { delete static_cast<Poll*>(handle->data); });
  }

  static void close(Armed* armed) {
    armed->owner->reactor_data = nullptr;
    uv_timer_stop(&armed->handle);
    uv_close(reinterpret_cast<uv_handle_t*>(&armed->handle),
             [](uv_handle_t* handle) { delete static_cast<Armed*>(handle->data); });
  }

  uv_loop_t* loop_;
  std::unordered_map<int, Poll*> polls_;
};
