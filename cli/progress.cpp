// The scan progress line (progress.hpp).
#include "progress.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>

#include "output.hpp"
#include "pictures.hpp"

namespace nbc::cli {

std::string progress_text(const EngineProgress& p) {
  double seconds = std::chrono::duration<double>(p.elapsed).count();
  double rate = seconds > 0 ? static_cast<double>(p.attempts) / seconds : 0;
  double done_rate = seconds > 0 ? static_cast<double>(p.done) / seconds : 0;
  double percent =
      p.total ? 100.0 * static_cast<double>(p.done) / static_cast<double>(p.total) : 100;
  // The probes not started yet at the pace so far, but never less than the wait of those in
  // flight: dropped ports hold the scan until their timeouts (and retries) pass.
  double waiting = std::chrono::duration<double>(p.pending).count();
  std::uint64_t left = p.total > p.done ? p.total - p.done : 0;
  std::uint64_t unstarted = left > p.in_flight ? left - p.in_flight : 0;
  std::string eta = "?";
  if (left == 0) {
    eta = "0s";
  } else if (unstarted == 0 && p.in_flight > 0) {
    eta = fmt::format("{:.1f}s", waiting);
  } else if (done_rate > 0) {
    eta = fmt::format("{:.1f}s", std::max(static_cast<double>(unstarted) / done_rate, waiting));
  }
  return fmt::format("{}/{} ports ({:.1f}%), {:.0f}/s, {} in flight, ETA {}", p.done, p.total,
                     percent, rate, p.in_flight, eta);
}

ProgressLine::ProgressLine(bool enabled)
    : enabled_(enabled && ::isatty(STDERR_FILENO) == 1),
      sparkline_(enabled_ && pictures_wanted(STDERR_FILENO)),
      glyphs_(terminal_glyphs()) {}

void ProgressLine::update(const EngineProgress& progress) {
  if (!enabled_) return;
  std::string text = progress_text(progress);
  if (sparkline_ && progress.elapsed > last_elapsed_) {
    double seconds = std::chrono::duration<double>(progress.elapsed - last_elapsed_).count();
    rates_.push_back(static_cast<double>(progress.attempts - last_attempts_) / seconds);
    if (rates_.size() > kRateSamples) rates_.erase(rates_.begin());
    last_attempts_ = progress.attempts;
    last_elapsed_ = progress.elapsed;
    text += " " + sparkline(rates_, glyphs_);
  }
  // Carriage return and erase-to-end-of-line: the line is rewritten in place.
  print_err("\r\x1b[K" + text);
  dirty_ = true;
}

void ProgressLine::clear() {
  if (!enabled_ || !dirty_) return;
  print_err("\r\x1b[K");
  dirty_ = false;
}

}  // namespace nbc::cli
