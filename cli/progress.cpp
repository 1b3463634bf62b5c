// The scan progress line (progress.hpp).
#include "progress.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "output.hpp"

namespace nbc::cli {

std::string progress_text(const EngineProgress& p) {
  double seconds = std::chrono::duration<double>(p.elapsed).count();
  double rate = seconds > 0 ? static_cast<double>(p.attempts) / seconds : 0;
  double done_rate = seconds > 0 ? static_cast<double>(p.done) / seconds : 0;
  double percent =
      p.total ? 100.0 * static_cast<double>(p.done) / static_cast<double>(p.total) : 100;
  std::string eta = "?";
  if (p.done >= p.total) {
    eta = "0s";
  } else if (done_rate > 0) {
    eta = fmt::format("{:.1f}s", static_cast<double>(p.total - p.done) / done_rate);
  }
  return fmt::format("{}/{} ports ({:.1f}%), {:.0f}/s, ETA {}", p.done, p.total, percent, rate,
                     eta);
}

ProgressLine::ProgressLine(bool enabled) : enabled_(enabled && ::isatty(STDERR_FILENO) == 1) {}

void ProgressLine::update(const EngineProgress& progress) {
  if (!enabled_) return;
  // Carriage return and erase-to-end-of-line: the line is rewritten in place.
  print_err("\r\x1b[K" + progress_text(progress));
  dirty_ = true;
}

void ProgressLine::clear() {
  if (!enabled_ || !dirty_) return;
  print_err("\r\x1b[K");
  dirty_ = false;
}

}  // namespace nbc::cli
