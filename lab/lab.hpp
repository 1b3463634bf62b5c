// nbconnect lab: the behaviour matrix of non-blocking connect() on this kernel (described in
// docs/behaviour-linux.md). The scenarios (scenarios.hpp) are staged and measured in a child
// process inside a private network namespace, which reports one JSON record per scenario; the
// records can be rendered as the Markdown report. The CLI only parses options and prints.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "lab/scenarios.hpp"

namespace nbc::lab {

using Record = nlohmann::ordered_json;

struct Config {
  std::vector<std::string> names;  // the scenarios to run, in report order
  std::chrono::milliseconds wait{300};
  std::string firewall = "auto";  // auto, iptables or nft
};

struct Measurement {
  std::vector<Record> records;  // one per scenario, in report order
  std::string error;            // non-empty: the run failed, and this says why
  std::vector<std::string> warnings;
};

// Runs the chosen scenarios in a forked child process, which moves into a private network
// namespace of its own (or, without the privilege, stays on the host's loopback and skips what
// needs more). `on_record` receives each record as soon as it arrives. Bounded: a child that
// does not finish in 120 s is killed.
Measurement measure(const Config& config, const std::function<void(const Record&)>& on_record);

// The Markdown report of the records, followed by the recipe that the measurements teach.
std::string render_markdown(const std::vector<Record>& records);

}  // namespace nbc::lab
