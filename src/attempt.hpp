// The connect state machine for one attempt with one socket. It does no waiting itself: the
// caller (the single connect, the engine, the dialer) watches fd() for writability and reports
// readiness or the deadline. Every result, immediate or not, leaves through finish().
#pragma once

#include <chrono>
#include <cstdint>

#include "nbconnect/connect.hpp"
#include "nbconnect/outcome.hpp"
#include "trace.hpp"

namespace nbc::detail {

using Clock = std::chrono::steady_clock;

enum class Step : std::uint8_t { wait_writable, done };

// What a detection method concluded about a socket that the poller reported ready.
struct Verdict {
  enum Kind : std::uint8_t { connected, failed, pending } kind;
  int error = 0;
};
// Reads the result of the connect on fd with the given method (detect.cpp).
Verdict detect(Method method, int fd, const Endpoint& target, const Trace& trace);

class Attempt {
 public:
  Attempt(const Endpoint& target, const ConnectOptions& options);

  // Creates the socket, applies options, binds, and calls connect().
  Step start(Clock::time_point now);
  // The poller reported events on fd(): ask the detection method.
  Step on_ready(std::uint32_t events, Clock::time_point now);
  // The deadline passed with no answer.
  void on_deadline(Clock::time_point now);

  int fd() const { return socket_.get(); }
  Clock::time_point deadline() const { return deadline_; }
  bool done() const { return done_; }
  // The outcome; valid once a step returned Step::done.
  Outcome take();

 private:
  void finish(int err, Phase phase, Clock::time_point now);
  void finish_connected(Clock::time_point now);
  void close_socket();

  const Endpoint& target_;
  const ConnectOptions& options_;
  Trace trace_;
  Socket socket_;
  Clock::time_point started_{};
  Clock::time_point deadline_{};
  bool done_ = false;
  Outcome outcome_;
};

}  // namespace nbc::detail
