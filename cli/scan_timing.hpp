// The scan's timing options: -T0..-T5 (templates), --initial-rtt-timeout, --min-rtt-timeout,
// --max-rtt-timeout and --max-retries (also --retries), turned into the engine's timing
// (docs/timing.md). An explicit -t fixes every attempt's timeout instead.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "common.hpp"
#include "nbconnect/engine.hpp"

namespace nbc::cli {

struct TimingWords {
  std::string level;  // -T: 0-5 or a name
  std::string initial_rtt;
  std::string min_rtt;
  std::string max_rtt;
  std::string retries;
};

void add_timing_options(CLI::App& app, TimingWords& words);

// Sets the engine's timing, retries and (for -T0..-T2, unless given) concurrency and rate. Call
// after -c and --rate are applied. Throws UsageError naming the bad word.
void apply_timing(const TimingWords& words, const CommonOptions& common, EngineOptions& engine);

}  // namespace nbc::cli
