// Text pictures for a terminal (pictures.hpp): bars in eighths of a cell, sparklines, ping's
// latency histogram and scan's per-host state bar.
#include "pictures.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace nbc::cli {
namespace {

// U+2581..U+2588 (lower blocks, for sparklines) and U+258F..U+2589 (left blocks, 1/8 to 7/8).
constexpr std::array<std::string_view, 8> kLower = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
constexpr std::array<std::string_view, 8> kLeft = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
constexpr std::string_view kFull = "█";
constexpr std::string_view kAsciiLevels = "_.-=#";

// The fastest time a latency bar or histogram tells apart: 10 us (loopback is about 20-50 us).
constexpr double kFloorMs = 0.01;

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

bool is_utf8(const char* locale) {
  std::string l;
  for (const char* p = locale; *p; ++p) l += static_cast<char>(std::tolower(*p));
  return l.find("utf-8") != std::string::npos || l.find("utf8") != std::string::npos;
}

// A state's glyph and ANSI colour, in the bar's order.
struct StateGlyph {
  State state;
  std::string_view unicode, ascii, color, name;
};
constexpr std::array<StateGlyph, kStateCount> kStateGlyphs = {{
    {State::open, "█", "#", "32", "open"},
    {State::open_filtered, "▓", "%", "36", "open|filtered"},
    {State::filtered, "▒", "=", "33", "filtered"},
    {State::error, "×", "!", "31", "error"},
    {State::unresolved, "?", "?", "35", "unresolved"},
    {State::closed, "░", ".", "2", "closed"},
}};

std::string painted(const StateGlyph& s, std::string_view text, const Glyphs& g) {
  if (!g.color || text.empty()) return std::string(text);
  return fmt::format("\x1b[{}m{}\x1b[0m", s.color, text);
}

}  // namespace

bool pictures_wanted(int fd) {
  const char* term = std::getenv("TERM");
  return ::isatty(fd) == 1 && !(term && std::string_view(term) == "dumb");
}

Glyphs terminal_glyphs() {
  Glyphs g;
  g.unicode = false;
  for (const char* name : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const char* value = std::getenv(name);
    if (value && *value) {
      g.unicode = is_utf8(value);
      break;
    }
  }
  const char* no_color = std::getenv("NO_COLOR");  // https://no-color.org: set and not empty
  g.color = !(no_color && *no_color);
  return g;
}

std::string bar(double fraction, int width, const Glyphs& g) {
  width = std::max(width, 0);
  fraction = std::isfinite(fraction) ? std::clamp(fraction, 0.0, 1.0) : 0.0;
  if (!g.unicode) {
    int cells = static_cast<int>(std::lround(fraction * width));
    return std::string(static_cast<std::size_t>(cells), '#') +
           std::string(static_cast<std::size_t>(width - cells), ' ');
  }
  long eighths = std::lround(fraction * width * 8);
  int full = static_cast<int>(eighths / 8), part = static_cast<int>(eighths % 8);
  std::string out = repeat(kFull, full);
  if (part) out += kLeft[static_cast<std::size_t>(part)];
  return out + std::string(static_cast<std::size_t>(width - full - (part ? 1 : 0)), ' ');
}

std::string sparkline(std::span<const double> values, const Glyphs& g) {
  double top = 0;
  for (double v : values) top = std::max(top, std::isfinite(v) ? v : 0.0);
  std::string out;
  std::size_t levels = g.unicode ? kLower.size() : kAsciiLevels.size();
  for (double v : values) {
    double f = top > 0 && std::isfinite(v) ? std::clamp(v / top, 0.0, 1.0) : 0.0;
    auto level = static_cast<std::size_t>(std::lround(f * static_cast<double>(levels - 1)));
    if (g.unicode) {
      out += kLower[level];
    } else {
      out += kAsciiLevels[level];
    }
  }
  return out;
}

std::string latency_bar(double ms, double full_ms, int width, const Glyphs& g) {
  double fraction = 0;
  if (ms > kFloorMs && full_ms > kFloorMs) {
    fraction = std::log(ms / kFloorMs) / std::log(full_ms / kFloorMs);
  }
  return bar(fraction, width, g);
}

std::string short_time(double ms) {
  auto three = [](double v, std::string_view unit) {
    int decimals = v >= 100 ? 0 : v >= 10 ? 1 : 2;
    std::string text = fmt::format("{:.{}f}", v, decimals);
    // "1.50" -> "1.5", "2.00" -> "2": the digits that say something, as durations are written.
    if (text.find('.') != std::string::npos) {
      text.erase(text.find_last_not_of('0') + 1);
      if (text.back() == '.') text.pop_back();
    }
    return text + std::string(unit);
  };
  if (ms < 1) return three(ms * 1000, "us");
  if (ms < 1000) return three(ms, "ms");
  return three(ms / 1000, "s");
}

std::vector<std::string> latency_histogram(const RttRecorder& rtts, const RttStats& stats,
                                           const Glyphs& g, int rows, int width) {
  std::vector<std::string> lines;
  if (rtts.count() == 0 || rows < 1) return lines;
  double lo = std::max(stats.min_ms, kFloorMs / 10), hi = std::max(stats.max_ms, lo);
  // All times alike (to 1%): one bucket.
  if (hi <= lo * 1.01) rows = 1;
  // No more buckets than times: three probes draw at most three rows.
  rows = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(rows), rtts.count()));
  double span = std::log(hi / lo);
  auto bucket_of = [&](double ms) {
    if (rows == 1 || ms <= lo) return 0;
    int b = static_cast<int>(std::floor(std::log(ms / lo) / span * rows));
    return std::clamp(b, 0, rows - 1);
  };
  std::vector<std::uint64_t> counts(static_cast<std::size_t>(rows), 0);
  rtts.for_each(
      [&](double ms, std::uint64_t n) { counts[static_cast<std::size_t>(bucket_of(ms))] += n; });
  std::uint64_t most = *std::max_element(counts.begin(), counts.end());
  std::vector<std::string> marks(static_cast<std::size_t>(rows));
  for (auto [name, value] : {std::pair{"p50", stats.p50_ms}, std::pair{"p90", stats.p90_ms},
                             std::pair{"p99", stats.p99_ms}}) {
    std::string& m = marks[static_cast<std::size_t>(bucket_of(value))];
    m += m.empty() ? std::string(g.unicode ? "  ◀ " : "  <- ") + name : std::string(" ") + name;
  }
  std::string_view edge = g.unicode ? "│" : "|", dash = g.unicode ? "–" : "-";
  std::size_t count_width = std::to_string(most).size();
  lines.push_back(fmt::format("latency histogram ({} connected, log buckets):", rtts.count()));
  for (int b = 0; b < rows; ++b) {
    double from = lo * std::exp(span * b / rows), to = lo * std::exp(span * (b + 1) / rows);
    std::string range =
        rows == 1 ? short_time(lo) : fmt::format("{}{}{}", short_time(from), dash, short_time(to));
    double fraction = static_cast<double>(counts[static_cast<std::size_t>(b)]) /
                      static_cast<double>(std::max<std::uint64_t>(most, 1));
    lines.push_back(fmt::format("{:>17} {}{}{} {:>{}}{}", range, edge, bar(fraction, width, g),
                                edge, counts[static_cast<std::size_t>(b)], count_width,
                                marks[static_cast<std::size_t>(b)]));
  }
  return lines;
}

std::string state_bar(const std::array<std::uint64_t, kStateCount>& counts, int width,
                      const Glyphs& g) {
  std::uint64_t total = 0;
  for (std::uint64_t c : counts) total += c;
  if (total == 0 || width < 1)
    return std::string(static_cast<std::size_t>(std::max(width, 0)), ' ');
  // Each state that occurred gets its share, and at least one cell: three open ports among 65,535
  // stay visible. The rounding goes to (or comes from) the largest shares.
  std::array<int, kStateCount> cells{};
  std::array<double, kStateCount> exact{};
  int used = 0;
  for (std::size_t i = 0; i < kStateCount; ++i) {
    std::uint64_t c = counts[static_cast<std::size_t>(kStateGlyphs[i].state)];
    exact[i] = static_cast<double>(c) / static_cast<double>(total) * width;
    cells[i] = c == 0 ? 0 : std::max(1, static_cast<int>(std::floor(exact[i])));
    used += cells[i];
  }
  for (int guard = 0; used != width && guard < 4 * width; ++guard) {
    std::size_t pick = kStateCount;
    for (std::size_t i = 0; i < kStateCount; ++i) {
      if (exact[i] == 0) continue;
      bool better =
          pick == kStateCount ||
          (used < width ? exact[i] - cells[i] > exact[pick] - cells[pick] : cells[i] > cells[pick]);
      if (used > width && cells[i] <= 1) continue;
      if (better) pick = i;
    }
    if (pick == kStateCount) break;
    cells[pick] += used < width ? 1 : -1;
    used += used < width ? 1 : -1;
  }
  std::string out;
  for (std::size_t i = 0; i < kStateCount; ++i) {
    const StateGlyph& s = kStateGlyphs[i];
    out += painted(s, repeat(g.unicode ? s.unicode : s.ascii, cells[i]), g);
  }
  return out;
}

std::string state_legend(const std::array<std::uint64_t, kStateCount>& counts, const Glyphs& g) {
  std::string out;
  for (const StateGlyph& s : kStateGlyphs) {
    if (counts[static_cast<std::size_t>(s.state)] == 0) continue;
    if (!out.empty()) out += "  ";
    out += painted(s, g.unicode ? s.unicode : s.ascii, g) + " " + std::string(s.name);
  }
  return out;
}

std::string state_counts_text(const std::array<std::uint64_t, kStateCount>& counts) {
  std::string out;
  for (const StateGlyph& s : kStateGlyphs) {
    std::uint64_t n = counts[static_cast<std::size_t>(s.state)];
    if (n) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", n, s.name);
  }
  return out;
}

}  // namespace nbc::cli
