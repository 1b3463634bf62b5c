// Signals that end a run early (interrupt.hpp).
#include "interrupt.hpp"

#include <signal.h>

#include <atomic>

namespace nbc::cli {
namespace {

std::atomic<int> g_signal{0};
std::atomic<Engine*> g_engine{nullptr};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<Engine*>::is_always_lock_free,
              "the handler may only touch lock-free atomics");

void on_signal(int sig) {
  int none = 0;
  g_signal.compare_exchange_strong(none, sig);
  if (Engine* engine = g_engine.load()) engine->stop();
}

}  // namespace

void catch_signals(std::initializer_list<int> signals) {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int sig : signals) sigaddset(&sa.sa_mask, sig);  // one handler at a time
  for (int sig : signals) sigaction(sig, &sa, nullptr);
}

int caught_signal() {
  return g_signal.load();
}

std::string signal_name(int sig) {
  switch (sig) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "signal " + std::to_string(sig);
  }
}

// The engine is set before the signal is looked at: a signal caught before either stops it here,
// one caught after finds it in the handler.
StopOnSignal::StopOnSignal(Engine& engine) {
  g_engine.store(&engine);
  if (g_signal.load() != 0) engine.stop();
}

// Only the thread that ran the engine is left when this runs (run() joined its threads), so the
// handler cannot be using the engine on another thread while it goes.
StopOnSignal::~StopOnSignal() {
  g_engine.store(nullptr);
}

}  // namespace nbc::cli
