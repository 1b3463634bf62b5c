// Formats one trace line per system call, only when a tracer is set (`-v`).
#pragma once

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "nbconnect/connect.hpp"
#include "nbconnect/outcome.hpp"

namespace nbc::detail {

class Trace {
 public:
  explicit Trace(const Tracer* tracer) : tracer_(tracer && *tracer ? tracer : nullptr) {}
  bool on() const { return tracer_ != nullptr; }

  // Logs "call = result" or "call = -1 ENAME (message)", with an optional note after it.
  template <typename... Args>
  void call(int result, int err, fmt::format_string<Args...> format, Args&&... args) const {
    if (!tracer_) return;
    std::string line = fmt::format(format, std::forward<Args>(args)...);
    if (result < 0) {
      line += fmt::format(" = -1 {} ({})", errno_name(err), std::strerror(err));
    } else {
      line += fmt::format(" = {}", result);
    }
    (*tracer_)(line);
  }

  template <typename... Args>
  void note(fmt::format_string<Args...> format, Args&&... args) const {
    if (tracer_) (*tracer_)(fmt::format(format, std::forward<Args>(args)...));
  }

 private:
  const Tracer* tracer_;
};

}  // namespace nbc::detail
