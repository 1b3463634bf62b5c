// The scan's timing options (scan_timing.hpp): the templates and the explicit values that
// override them.
#include "scan_timing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <optional>

namespace nbc::cli {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// -T0 .. -T5, in nmap's spirit: the round-trip bounds and retries of nmap's templates; the slow
// ones also probe one port at a time, paced by a rate (nmap's scan delay).
struct Template {
  const char* name;
  nanoseconds initial;
  nanoseconds min;
  nanoseconds max;
  int retries;
  std::size_t concurrency;  // 0: the default window
  double rate;              // probes per second; 0: no limit
};

constexpr std::array<Template, 6> kTemplates = {{
    {"paranoid", minutes(5), milliseconds(100), minutes(5), 10, 1, 1.0 / 300},
    {"sneaky", seconds(15), milliseconds(100), seconds(15), 10, 1, 1.0 / 15},
    {"polite", seconds(1), milliseconds(100), seconds(10), 10, 0, 2.5},
    {"normal", seconds(1), milliseconds(100), seconds(10), 10, 0, 0},
    {"aggressive", milliseconds(500), milliseconds(100), milliseconds(1250), 6, 0, 0},
    {"insane", milliseconds(250), milliseconds(50), milliseconds(300), 2, 0, 0},
}};
constexpr int kDefaultLevel = 3;
constexpr int kMaxRetries = 100;

// "250ms", "1.25s", "5min": the help's short spelling.
std::string short_duration(nanoseconds d) {
  double ms = std::chrono::duration<double, std::milli>(d).count();
  if (ms < 1000) return fmt::format("{:g}ms", ms);
  if (ms < 60000) return fmt::format("{:g}s", ms / 1000);
  return fmt::format("{:g}min", ms / 60000);
}

std::string template_help() {
  std::string text =
      "Timing template: 0-5 or paranoid, sneaky, polite, normal (default), aggressive, insane. "
      "Each sets initial/min/max RTT timeout, max retries[, concurrency, rate]; explicit options "
      "win:";
  for (std::size_t i = 0; i < kTemplates.size(); ++i) {
    const Template& t = kTemplates[i];
    text += fmt::format("\n  -T{} {}: {}/{}/{}, at most {} retries", i, t.name,
                        short_duration(t.initial), short_duration(t.min), short_duration(t.max),
                        t.retries);
    if (t.concurrency) text += fmt::format(", -c {}", t.concurrency);
    if (t.rate > 0) text += fmt::format(", one probe per {:g} s", 1.0 / t.rate);
  }
  return text;
}

int parse_level(const std::string& word) {
  if (word.empty()) return kDefaultLevel;
  if (word.size() == 1 && word[0] >= '0' && word[0] <= '5') return word[0] - '0';
  std::string lower = word;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::size_t i = 0; i < kTemplates.size(); ++i) {
    if (lower == kTemplates[i].name) return static_cast<int>(i);
  }
  throw UsageError("-T: invalid timing template " + quote(word) +
                   ": use 0-5 or paranoid, sneaky, polite, normal, aggressive, insane");
}

std::optional<nanoseconds> rtt_option(const std::string& name, const std::string& word,
                                      bool zero_ok) {
  if (word.empty()) return std::nullopt;
  nanoseconds d = duration_option(name, word);
  if (d.count() == 0 && !zero_ok) {
    throw UsageError(name + ": invalid duration " + quote(word) + ": must be more than 0");
  }
  if (d > std::chrono::hours(1)) {
    throw UsageError(name + ": invalid duration " + quote(word) + ": at most 1h");
  }
  return d;
}

}  // namespace

void add_timing_options(CLI::App& app, TimingWords& w) {
  app.add_option("-T,--timing", w.level, template_help())->type_name("0-5|NAME");
  app.add_option("--initial-rtt-timeout", w.initial_rtt,
                 "Timeout of a host's probes before its first answer (default: the template's)")
      ->type_name("DUR");
  app.add_option("--min-rtt-timeout", w.min_rtt,
                 "Least timeout, whatever the measured round trip (default: the template's)")
      ->type_name("DUR");
  app.add_option("--max-rtt-timeout", w.max_rtt,
                 "Greatest timeout of an attempt, back-off included (default: the template's)")
      ->type_name("DUR");
  app.add_option("--retries,--max-retries", w.retries,
                 "Most retries after no response: the first always, more only on a host that "
                 "answered a retry (default: the template's; with -t: exactly N, default 1)")
      ->type_name("N");
}

void apply_timing(const TimingWords& w, const CommonOptions& common, EngineOptions& engine) {
  const Template& t = kTemplates[parse_level(w.level)];
  auto initial = rtt_option("--initial-rtt-timeout", w.initial_rtt, false);
  auto min = rtt_option("--min-rtt-timeout", w.min_rtt, true);
  auto max = rtt_option("--max-rtt-timeout", w.max_rtt, false);
  const bool fixed = !common.timeout.empty();
  if (fixed && (initial || min || max)) {
    throw UsageError(
        "-t fixes the timeout of every attempt: it excludes --initial-rtt-timeout, "
        "--min-rtt-timeout and --max-rtt-timeout");
  }
  if (!w.retries.empty()) {
    engine.retries = static_cast<int>(number_option("--retries", w.retries, 0, kMaxRetries));
  } else {
    engine.retries = fixed ? 1 : t.retries;
  }
  if (engine.concurrency == 0) engine.concurrency = t.concurrency;
  if (engine.rate == 0) engine.rate = t.rate;
  if (fixed) {
    engine.timing.adaptive = false;  // engine.connect.timeout is -t's
    return;
  }
  if (min && max && *min > *max) {
    throw UsageError(fmt::format("--min-rtt-timeout {} is above --max-rtt-timeout {}",
                                 quote(w.min_rtt), quote(w.max_rtt)));
  }
  if (initial && max && *initial > *max) {
    throw UsageError(fmt::format("--initial-rtt-timeout {} is above --max-rtt-timeout {}",
                                 quote(w.initial_rtt), quote(w.max_rtt)));
  }
  // An explicit value wins over the template's, which yields to keep min <= max, initial <= max.
  ScanTiming& s = engine.timing;
  s.adaptive = true;
  s.initial_rtt_timeout = initial.value_or(t.initial);
  s.min_rtt_timeout = min.value_or(t.min);
  s.max_rtt_timeout = max.value_or(t.max);
  if (!max)
    s.max_rtt_timeout = std::max({s.max_rtt_timeout, s.min_rtt_timeout, s.initial_rtt_timeout});
  if (!min) s.min_rtt_timeout = std::min(s.min_rtt_timeout, s.max_rtt_timeout);
  if (!initial) s.initial_rtt_timeout = std::min(s.initial_rtt_timeout, s.max_rtt_timeout);
  engine.connect.timeout = s.max_rtt_timeout;
}

}  // namespace nbc::cli
