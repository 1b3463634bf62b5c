// The attempt driver: the one place that binds the connect state machine (attempt.hpp) to a
// Reactor. It registers the socket, pauses after a "still pending" verdict instead of spinning
// on level-triggered readiness, keeps the deadline, retries local errors (with back-off) and
// self-connects with a fresh socket as ConnectOptions say, retries a UNIX-domain server that is
// busy (EAGAIN) until the deadline, runs the stages after connect (stage.hpp: the UDP probe, and
// the proxy and check stages) on the connected socket under the same deadline, turns a socket
// the reactor refuses into an outcome, and delivers exactly one Outcome — always from the
// reactor's dispatch, never from inside start(). nbc::connect, nbc::Connector, the scan loop and
// the dialer all run their attempts through it and keep only their own scheduling.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "attempt.hpp"
#include "nbconnect/options.hpp"
#include "nbconnect/outcome.hpp"
#include "nbconnect/reactor.hpp"
#include "stage.hpp"
#include "trace.hpp"

namespace nbc::detail {

class Driver final : private IoHandler, private Timer, private ConnectHandler {
 public:
  class Listener {
   public:
    // The attempt's final outcome (after retries). The driver is idle again: the listener may
    // start it anew or destroy it.
    virtual void on_attempt_done(Driver& driver, Outcome& outcome) = 0;
    // A socket failed with a local error (retried after a back-off) or connected to itself
    // (retried at once), and a fresh socket follows. A scheduler may take a local error as a
    // sign to start fewer attempts.
    virtual void on_retry(Driver& /*driver*/, const Outcome& /*failed*/) {}

   protected:
    ~Listener() = default;
  };

  Driver(Reactor& reactor, Listener& listener) : reactor_(reactor), listener_(listener) {}
  ~Driver() { cancel(); }
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  // Starts the attempt. target and options must stay valid until it is done or cancelled.
  void start(const Endpoint& target, const ConnectOptions& options);
  // Closes what is open and forgets the attempt; no outcome is delivered.
  void cancel();
  // Ends the attempt now, as if its deadline had passed (a dial's overall deadline): the outcome
  // (no-response, or the local error being backed off from) is delivered before this returns.
  void expire();
  bool active() const { return mode_ != Mode::idle; }
  // What the socket is watched for now: io::writable while connecting, a stage's interest (a UDP
  // probe waits to read), or 0 when it is not watched. A scheduler that polls the socket itself
  // before calling it silent (the scan loop) must ask for the same.
  std::uint32_t interest() const {
    return mode_ == Mode::watching ? io::writable : mode_ == Mode::staging ? stage_interest_ : 0;
  }
  // The socket being connected, or -1 between sockets.
  int fd() const { return attempt_ ? attempt_->fd() : -1; }
  const Endpoint* target() const { return target_; }

 private:
  enum class Mode : std::uint8_t {
    idle,
    starting,     // inside begin(): the socket is not watched yet
    watching,     // waiting for writability, the timer on the deadline
    pausing,      // a "pending" verdict: not watched, the timer on the end of the pause
    submitted,    // a completion-based connect runs in the reactor
    staging,      // connected: a stage after connect waits for the socket or its timer
    backing_off,  // no socket: a local error or a busy server is retried when the timer fires
    delivering,   // the outcome waits for the reactor to call the timer at once
  };

  void begin(Clock::time_point now);
  void watch_until_deadline(Clock::time_point now);
  void attempt_done(Clock::time_point now);
  void start_stages(Clock::time_point now);
  void stage_step(Stage::Want want, Clock::time_point now);
  void end_stages(Clock::time_point now);
  void back_off(Outcome outcome, std::chrono::nanoseconds pause, Clock::time_point now);
  void deliver();
  void deliver(Outcome& outcome);
  void on_io(std::uint32_t events) override;
  void on_timer() override;
  void on_connect(int result) override;

  Reactor& reactor_;
  Listener& listener_;
  const Endpoint* target_ = nullptr;
  const ConnectOptions* options_ = nullptr;
  std::optional<Attempt> attempt_;
  Stages stages_;  // the stages after connect, once connected
  std::size_t current_stage_ = 0;
  std::uint32_t stage_interest_ = 0;  // what the socket is watched for while staging (0: not)
  Clock::time_point busy_until_{};    // a busy UNIX-domain server is retried until then
  Mode mode_ = Mode::idle;
  bool in_start_ = false;
  int sockets_ = 0;
  int local_retries_ = 0;
  int self_retries_ = 0;
  int busy_retries_ = 0;
  int pending_streak_ = 0;
  std::unique_ptr<Outcome> result_;
};

}  // namespace nbc::detail
