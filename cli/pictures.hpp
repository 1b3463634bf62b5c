// Small pictures drawn with text for a person at a terminal: a bar, a sparkline, a latency
// histogram and a per-host state bar. Pure functions of their inputs (unit-tested); the callers
// decide when to draw (pictures_wanted(): a terminal, not TERM=dumb) and JSON/CSV never carry
// them. On a UTF-8 locale they use the Unicode block characters, elsewhere plain ASCII.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nbconnect/outcome.hpp"
#include "ping_stats.hpp"

namespace nbc::cli {

// The characters a picture is drawn with.
struct Glyphs {
  bool unicode = true;
  bool color = false;  // ANSI colours for the state bar (off when NO_COLOR is set)
};

// Pictures go to `fd` when it is a terminal and TERM is not "dumb"; the glyphs follow the locale
// (LC_ALL, LC_CTYPE, LANG: UTF-8 or not) and NO_COLOR.
bool pictures_wanted(int fd);
Glyphs terminal_glyphs();

// A horizontal bar `fraction` (clamped to [0, 1]) of `width` cells, in eighths of a cell with
// Unicode ("█▌"), whole cells of '#' in ASCII; padded with spaces to exactly `width` cells.
std::string bar(double fraction, int width, const Glyphs& g);

// One cell per value, its height scaled to the largest value ("▁▂▃▅█"; ASCII "_.-=#"). A value
// of 0 draws the lowest cell; an empty span draws nothing.
std::string sparkline(std::span<const double> values, const Glyphs& g);

// A ping line's latency bar: `ms` on a log scale from 10 us (empty) to `full_ms` (full).
std::string latency_bar(double ms, double full_ms, int width, const Glyphs& g);

// A time as people write it, three significant digits: "41.2us", "1.25ms", "1.5s".
std::string short_time(double ms);

// The latency histogram under ping's summary: log-spaced buckets from the fastest to the
// slowest time, a bar per bucket, its count, and the percentiles p50/p90/p99 marked on the
// bucket that holds them. Empty when nothing was recorded.
std::vector<std::string> latency_histogram(const RttRecorder& rtts, const RttStats& stats,
                                           const Glyphs& g, int rows = 10, int width = 30);

// One host's states as a bar of `width` cells: open, open|filtered, filtered, error, closed in
// that order, each state that occurred at least one cell. The legend names the glyphs of the
// states whose count is not 0.
std::string state_bar(const std::array<std::uint64_t, kStateCount>& counts, int width,
                      const Glyphs& g);
std::string state_legend(const std::array<std::uint64_t, kStateCount>& counts, const Glyphs& g);
// The counts that are not 0, in the bar's order: "3 open, 65532 closed".
std::string state_counts_text(const std::array<std::uint64_t, kStateCount>& counts);

}  // namespace nbc::cli
