// nbconnect lab: the platform-behaviour matrix of SPEC §5. The scenarios are staged and measured
// in a child process (lab_probe.cpp) that reports one JSON record per scenario; the parent renders
// the records as Markdown (lab_report.cpp) or passes them on as JSON lines.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace nbc::cli::lab {

using Record = nlohmann::ordered_json;

// What a scenario needs besides loopback.
enum class Needs : unsigned char {
  loopback,   // runs anywhere, even on the host's loopback without privilege
  firewall,   // a private namespace and an iptables/nft rule in it
  route,      // a private namespace and an `ip route` entry in it
  namespace_  // a private namespace (the address would otherwise leave the machine)
};

struct Scenario {
  std::string_view name;
  std::string_view title;  // one line: what is staged
  Needs needs;
  // What a correct program reports, given what the kernel can know (SPEC §1 vocabulary).
  std::string_view truth_state;
  std::string_view truth_reason;
};

// Every scenario, in report order.
const std::vector<Scenario>& scenarios();
const Scenario* find_scenario(std::string_view name);

struct Config {
  std::vector<std::string> names;  // the scenarios to run, in report order
  std::chrono::milliseconds wait{300};
  std::string firewall = "auto";  // auto, iptables or nft
};

// Runs in the child process: stages and measures every chosen scenario, one record each.
// `emit` receives each record as soon as it is complete.
void run_scenarios(const Config& config, const std::function<void(const Record&)>& emit);

// The Markdown report of the records, followed by the recipe that the measurements teach.
std::string render_markdown(const std::vector<Record>& records);

// The steps recorded for every scenario, in column order: key and the call as a reader knows it.
struct StepInfo {
  std::string_view key;
  std::string_view label;
};
const std::vector<StepInfo>& immediate_steps();
const std::vector<StepInfo>& after_wait_steps();

}  // namespace nbc::cli::lab
