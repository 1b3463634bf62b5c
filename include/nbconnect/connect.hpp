// One non-blocking connect, waited for on a private event loop: the simplest entry point. It is
// the attempt driver (connector.hpp) on an EventLoop (event_loop.hpp), run to its end.
#pragma once

#include "nbconnect/endpoint.hpp"
#include "nbconnect/options.hpp"
#include "nbconnect/outcome.hpp"

namespace nbc {

// Connects to target, waiting at most options.timeout per socket. Never raises SIGPIPE, installs
// no signal handler and leaks no descriptor. Local errors and self-connects are retried with a
// fresh socket before they are reported. Blocks the calling thread: to connect inside your own
// event loop, use Connector.
Outcome connect(const Endpoint& target, const ConnectOptions& options = {});

}  // namespace nbc
