// The exit codes of the nbconnect program (docs/outcomes.md): a CLI convention, not the
// library's, so it lives here.
#pragma once

#include "nbconnect/outcome.hpp"

namespace nbc::cli {

inline constexpr int kExitLocal = 4;      // this machine ran short (local-resources)
inline constexpr int kExitUsage = 64;     // bad usage or input
inline constexpr int kExitInternal = 70;  // an internal error (a bug: please report it)
inline constexpr int kExitIoError = 74;   // a write to stdout failed (sysexits' EX_IOERR)
inline constexpr int kExitTimeout = 124;  // wait: the time ran out
inline constexpr int kExitSignal = 128;   // scan: + the signal that interrupted it (130, 143)

// The exit code of `nbconnect HOST PORT` for an outcome.
inline int exit_code(State state, Reason reason) {
  switch (state) {
    case State::open:
      return 0;
    case State::closed:
      return 1;
    case State::filtered:
      // Silence (and a UNIX-domain server too busy to accept) says "try later": 2, as a timeout.
      return reason == Reason::no_response || reason == Reason::backlog_full ? 2 : 3;
    case State::open_filtered:
      return 2;
    case State::error:
      return 4;
    case State::unresolved:
      return 5;
  }
  return kExitInternal;
}

}  // namespace nbc::cli
