// The connect state machine for one attempt with one socket. It does no waiting itself: the
// attempt driver (driver.hpp) watches fd() for writability and reports readiness, the deadline,
// a completion, or that the reactor refused the socket. Every result, immediate or not, leaves
// through finish(); the socket stays open until take(), so that the driver can stop watching it
// before it is closed.
#pragma once

#include <chrono>
#include <cstdint>

#include "nbconnect/options.hpp"
#include "nbconnect/outcome.hpp"
#include "nbconnect/reactor.hpp"
#include "trace.hpp"

namespace nbc::detail {

using Clock = nbc::Clock;

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
  // For a connect that the caller submits itself (IORING_OP_CONNECT): creates the socket, blocking
  // as io_uring wants it, applies options and binds, without connecting. Returns wait_writable
  // when the connect is to be submitted, done after a local failure.
  Step start_async(Clock::time_point now);
  // The submitted connect completed with res: 0 or -errno; -ECANCELED is the deadline (the
  // linked timeout cancelled it). The result takes the same path as a polled one; wait_writable
  // when the detection method cannot tell yet.
  Step on_connect_result(int res, Clock::time_point now);
  // The reactor reported fd() ready: ask the detection method (readiness alone proves nothing).
  Step on_ready(Clock::time_point now);
  // The reactor would not take the socket (-err): select's FD_SETSIZE (ERANGE), no memory, ...
  void on_refused(int err, Clock::time_point now);
  // The deadline passed with no answer.
  void on_deadline(Clock::time_point now);

  int fd() const { return socket_.get(); }
  Clock::time_point deadline() const { return deadline_; }
  bool done() const { return done_; }
  // Whether the socket connected (to the peer, not to itself): the stages after connect may run.
  bool connected() const { return done_ && outcome_.is_open(); }
  // The outcome so far, for the stages after connect to complete (valid once done()).
  Outcome& outcome() { return outcome_; }
  // Whether take() will hand the socket over instead of closing it.
  bool hands_over_socket() const { return done_ && outcome_.is_open() && options_.keep_socket; }
  // The outcome; valid once a step returned Step::done. Closes the socket unless it is handed
  // over in the outcome.
  Outcome take();

 private:
  bool open_socket(int type_flags, Clock::time_point now);
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
