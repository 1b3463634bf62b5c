// The attempt driver's public face: one connect to one address, run on any Reactor. It makes the
// socket, waits for writability, reads the result with the chosen method, pauses instead of
// spinning when the method says "still pending", keeps the deadline, retries local errors (with
// back-off) and self-connects with a fresh socket, and calls back exactly once — always from
// the reactor's dispatch, never from inside start(). nbc::connect, the engine and the dialer
// run every attempt through the same driver.
#pragma once

#include <functional>
#include <memory>

#include "nbconnect/endpoint.hpp"
#include "nbconnect/options.hpp"
#include "nbconnect/outcome.hpp"
#include "nbconnect/reactor.hpp"

namespace nbc {

class Connector {
 public:
  using Callback = std::function<void(Outcome outcome)>;

  explicit Connector(Reactor& reactor);
  // Destroying a Connector cancels what it runs: its socket is closed, no callback.
  ~Connector();
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;

  // Starts connecting to target. The Connector keeps copies of target and options. Starting
  // again while an attempt runs cancels that attempt first.
  void start(const Endpoint& target, ConnectOptions options, Callback done);
  // Stops the attempt: its socket is closed and the callback is not called.
  void cancel();
  // Whether an attempt runs (started, not yet called back or cancelled).
  bool active() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace nbc
