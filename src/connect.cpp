// nbc::connect: one attempt driver on a private EventLoop, run to its end. It is the same public
// path a program with its own loop takes (Connector on a Reactor), run by the library itself.
#include "nbconnect/connect.hpp"

#include <cerrno>
#include <system_error>

#include "nbconnect/connector.hpp"
#include "nbconnect/event_loop.hpp"

namespace nbc {

Outcome connect(const Endpoint& target, const ConnectOptions& options) {
  Outcome outcome;
  outcome.peer = target;
  if (target.empty()) {
    outcome.error = EINVAL;
    outcome.detail = "no address";
    return outcome;
  }
  EventLoopOptions loop_options;
  loop_options.backend = options.backend;
  loop_options.capacity_hint = 4;
  loop_options.trace = options.trace;
  std::error_code ec;
  EventLoop loop(loop_options, ec);
  if (ec) {
    outcome.error = ec.value();
    outcome.reason = classify_errno(ec.value()).reason;
    outcome.detail = "the " + std::string(to_string(options.backend)) + " backend is not available";
    return outcome;
  }
  Connector connector(loop);
  bool done = false;
  connector.start(target, options, [&](Outcome o) {
    outcome = std::move(o);
    done = true;
  });
  // Signals do not end the wait: the attempt's own deadline does.
  while (!done) loop.run_once();
  return outcome;
}

}  // namespace nbc
