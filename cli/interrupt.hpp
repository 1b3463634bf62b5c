// The program's one way of being interrupted (SIGINT, SIGTERM, SIGHUP): a handler that only
// records the signal and asks the running engine, if any, to stop. The library installs no
// handler; Engine::stop() is async-signal-safe so that this one may call it. Subcommands look at
// caught_signal() between steps, and their waits end early because the handler interrupts them.
#pragma once

#include <initializer_list>
#include <string>

#include "nbconnect/engine.hpp"

namespace nbc::cli {

// Installs the handler for these signals. SA_RESTART: a write to stdout is never cut short by
// the signal; the event loops' waits (epoll, poll, select, nanosleep) end with EINTR anyway.
void catch_signals(std::initializer_list<int> signals);

// The first signal caught, or 0.
int caught_signal();

// "SIGINT", "SIGTERM", "SIGHUP", or "signal N".
std::string signal_name(int sig);

// While it lives, a caught signal also stops `engine` (at once, if one was caught already).
class StopOnSignal {
 public:
  explicit StopOnSignal(Engine& engine);
  ~StopOnSignal();
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;
};

}  // namespace nbc::cli
