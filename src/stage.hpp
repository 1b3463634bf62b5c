// A stage after connect: more steps of the same attempt on the connected socket — the UDP probe,
// a proxy's handshake, a TLS handshake, an expect or HTTP check. A stage does no waiting of its
// own: like the connect state machine (attempt.hpp) it says what it needs next, and the attempt
// driver (driver.hpp) watches the socket for it under the attempt's one deadline, so a stage is
// non-blocking, bounded and cancellable wherever the driver runs (the built-in loop or a
// program's own reactor). The driver runs the stages of an attempt in order once the socket is
// connected; a stage that settles the outcome (a proxy said "refused", a check failed) ends the
// chain.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "nbconnect/options.hpp"
#include "nbconnect/outcome.hpp"
#include "nbconnect/reactor.hpp"

namespace nbc::detail {

class Stage {
 public:
  enum class Want : std::uint8_t {
    readable,  // call on_ready() once the socket is readable (or has an error)
    writable,  // call on_ready() once the socket is writable (or has an error)
    done,      // finished: call finish()
  };

  virtual ~Stage() = default;

  // The socket fd is connected (to the target, or through the earlier stages). `deadline` is the
  // attempt's. Typically writes a first message or waits for the peer to speak.
  virtual Want start(int fd, Clock::time_point now, Clock::time_point deadline) = 0;
  // The socket is ready for what the last Want asked for (errors and hang-ups count as ready:
  // the stage's own read or write then reports them).
  virtual Want on_ready(int fd, Clock::time_point now) = 0;
  // An earlier wake-up than the deadline (a UDP probe resent), or time_point::max() for none.
  virtual Clock::time_point wake_at() const { return Clock::time_point::max(); }
  // wake_at() passed: same contract as on_ready().
  virtual Want on_wake(int fd, Clock::time_point now) { return on_ready(fd, now); }
  // The deadline passed before the stage said done: it records that it timed out.
  virtual void on_deadline(Clock::time_point now) = 0;
  // Writes the stage's result into the outcome (which holds the connect's result and, where
  // earlier stages ran, theirs). Returns false when the chain must stop here: the outcome is
  // settled (not open any more, or a check failed).
  virtual bool finish(Outcome& outcome) = 0;
};

using Stages = std::vector<std::unique_ptr<Stage>>;

// The stages that ConnectOptions ask for after connecting to target, in the order they run
// (stages.cpp). Empty for a plain TCP or UNIX-domain connect: no allocation on the scan path.
Stages make_stages(const Endpoint& target, const ConnectOptions& options);

}  // namespace nbc::detail
