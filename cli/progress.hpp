// The progress line on stderr while a scan runs: done/total, attempts per second, probes in
// flight, and an ETA that counts the timeouts they still wait for; on a terminal that can draw
// it, a sparkline of the rate over the last updates.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "nbconnect/engine.hpp"
#include "pictures.hpp"

namespace nbc::cli {

// "12345/65535 ports (18.8%), 45210/s, 512 in flight, ETA 1.2s"
std::string progress_text(const EngineProgress& progress);

class ProgressLine {
 public:
  // Shown only when enabled and stderr is a terminal.
  explicit ProgressLine(bool enabled);
  ~ProgressLine() { clear(); }
  bool shown() const { return enabled_; }
  void update(const EngineProgress& progress);
  // Erases the line, so what follows starts on a clean line.
  void clear();

 private:
  // The attempts per second between consecutive updates, the newest last (kRateSamples at most).
  static constexpr std::size_t kRateSamples = 20;
  bool enabled_;
  bool sparkline_;
  Glyphs glyphs_;  // read from the environment once
  bool dirty_ = false;
  std::vector<double> rates_;
  std::uint64_t last_attempts_ = 0;
  std::chrono::nanoseconds last_elapsed_{0};
};

}  // namespace nbc::cli
