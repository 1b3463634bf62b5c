// The built-in reactor: an event loop over epoll, poll, select or io_uring, with a timer heap.
// nbc::connect, the engine's threads and a Dialer made with a Backend each run one. A program
// may also run one itself and put Connectors, Scanners and Dialers on it.
#pragma once

#include <chrono>
#include <memory>
#include <system_error>

#include "nbconnect/options.hpp"
#include "nbconnect/reactor.hpp"

namespace nbc {

struct EventLoopOptions {
  Backend backend = Backend::epoll;
  // About how many descriptors will be watched at once (sizes the io_uring rings).
  unsigned capacity_hint = 64;
  // With Backend::uring: connect through IORING_OP_CONNECT completions where the kernel has it
  // (completes_connects()); else the io_uring poller only reports readiness.
  bool uring_connect = false;
  // Traces each wait and what it returned (`-v`).
  Tracer trace;
};

class EventLoop final : public Reactor {
 public:
  // Throws std::system_error when the backend is not available here.
  explicit EventLoop(const EventLoopOptions& options = {});
  // The non-throwing twin: on failure ec is set and the loop must not be used.
  EventLoop(const EventLoopOptions& options, std::error_code& ec);
  ~EventLoop() override;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // The backend in use (the one asked for).
  Backend backend() const;
  // Makes the kernel object (epoll instance, io_uring, ...) now; it is otherwise made on first
  // need, so that a connect answered at once costs none. Returns 0 or -errno.
  int open();

  // One turn: waits for readiness at most until the next timer or `limit` (negative: no limit),
  // then runs the handlers of what is ready and of the timers that are due. Returns false when
  // a signal interrupted the wait.
  bool run_once(std::chrono::nanoseconds limit = std::chrono::nanoseconds(-1));
  // Turns until nothing is watched, armed or submitted any more.
  void run();
  // Whether anything is watched, armed or submitted.
  bool busy() const;

  int watch(int fd, std::uint32_t interest, IoHandler& handler) override;
  void unwatch(int fd, bool closing) override;
  void arm(Timer& timer, Clock::time_point when) override;
  void disarm(Timer& timer) override;
  bool completes_connects() const override;
  int submit_connect(int fd, const Endpoint& target, std::chrono::nanoseconds timeout,
                     ConnectHandler& handler) override;
  void cancel_connect(int fd) override;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace nbc
