// nbc::Reactor on an asio::io_context (standalone asio, header-only): nbconnect's Connectors then
// run on the io_context's thread, next to the program's own asio work. Copy it into your program.
//
// - A watched descriptor gets an asio::posix::stream_descriptor and one async_wait per interest
//   bit, issued again after each delivery while the descriptor is still watched (asio's waits are
//   one-shot; each new wait asks the kernel afresh, which gives the level-triggered delivery the
//   contract asks for). unwatch() cancels the waits and release()s the descriptor: asio never
//   closes a descriptor it does not own.
// - A Timer gets an asio::steady_timer while it is armed, found through Timer::reactor_data.
// - A cancelled wait may already sit in the io_context's queue with a success code, so each
//   completion checks that its watch or timer is still current before calling the library.
#pragma once

#include <cstdint>
#include <memory>
#include <system_error>
#include <unordered_map>

#include <asio.hpp>

#include "nbconnect/reactor.hpp"

class AsioReactor final : public nbc::Reactor {
 public:
  explicit AsioReactor(asio::io_context& io) : io_(io) {}
  ~AsioReactor() override {
    for (auto& [fd, watch] : watches_) stop(*watch);
  }

  int watch(int fd, std::uint32_t interest, nbc::IoHandler& handler) override {
    if (watches_.contains(fd)) unwatch(fd, false);  // watching again: a new interest or handler
    auto watch = std::make_shared<Watch>(io_, &handler);
    std::error_code ec;
    watch->descriptor.assign(fd, ec);
    if (ec) return -ec.value();
    watches_.emplace(fd, watch);
    if (interest & nbc::io::readable) wait(watch, Wait::wait_read, nbc::io::readable);
    if (interest & nbc::io::writable) wait(watch, Wait::wait_write, nbc::io::writable);
    // Errors and hang-ups are reported whatever the interest: asio completes every wait on them.
    if (!(interest & (nbc::io::readable | nbc::io::writable)))
      wait(watch, Wait::wait_error, nbc::io::error);
    return 0;
  }

  void unwatch(int fd, bool /*closing*/) override {
    auto it = watches_.find(fd);
    if (it == watches_.end()) return;
    stop(*it->second);
    watches_.erase(it);
  }

  void arm(nbc::Timer& timer, nbc::Clock::time_point when) override {
    disarm(timer);  // arming again moves the timer
    auto armed = std::make_shared<Armed>(io_, &timer);
    timer.reactor_data = armed.get();
    armed->timer.expires_at(when);
    armed->timer.async_wait([armed](std::error_code ec) {
      nbc::Timer* timer = armed->owner;
      if (ec || timer == nullptr) return;  // cancelled, or disarmed after it expired
      timer->reactor_data = nullptr;       // one-shot: no longer armed
      timer->on_timer();
    });
  }

  void disarm(nbc::Timer& timer) override {
    auto* armed = static_cast<Armed*>(timer.reactor_data);
    if (armed == nullptr) return;
    armed->owner = nullptr;  // the pending completion holds the last reference and frees it
    armed->timer.cancel();
    timer.reactor_data = nullptr;
  }

 private:
  using Wait = asio::posix::descriptor_base::wait_type;

  struct Watch {
    Watch(asio::io_context& io, nbc::IoHandler* h) : descriptor(io), handler(h) {}
    asio::posix::stream_descriptor descriptor;
    nbc::IoHandler* handler;  // nullptr once unwatched
  };

  struct Armed {
    Armed(asio::io_context& io, nbc::Timer* t) : timer(io), owner(t) {}
    asio::steady_timer timer;
    nbc::Timer* owner;  // nullptr once disarmed
  };

  // One wait for one readiness bit, issued again after each delivery while still watched.
  static void wait(const std::shared_ptr<Watch>& watch, Wait type, std::uint32_t bit) {
    watch->descriptor.async_wait(type, [watch, type, bit](std::error_code ec) {
      if (ec || watch->handler == nullptr) return;  // cancelled, or unwatched meanwhile
      watch->handler->on_io(bit);  // on an error SO_ERROR tells the library what happened
      if (watch->handler != nullptr) wait(watch, type, bit);
    });
  }

  static void stop(Watch& watch) {
    watch.handler = nullptr;
    std::error_code ignored;
    watch.descriptor.cancel(ignored);
    watch.descriptor.release();  // the library closes the descriptor itself
  }

  asio::io_context& io_;
  std::unordered_map<int, std::shared_ptr<Watch>> watches_;
};
