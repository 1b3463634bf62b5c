// nbconnect lab: measures how this kernel answers the classic non-blocking connect questions (the
// behaviour matrix of docs/behaviour-linux.md). This file parses the options and prints; the lab
// module (lab/) stages and measures the scenarios and renders the report.
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "common.hpp"
#include "lab/lab.hpp"
#include "output.hpp"
#include "subcommands.hpp"

namespace nbc::cli {
namespace {

struct LabOptions {
  bool json = false;
  bool list = false;
  std::vector<std::string> scenarios;
  std::string wait = "300ms";
  std::string firewall = "auto";
};

std::string scenario_names() {
  std::string names;
  for (const lab::Scenario& sc : lab::scenarios()) {
    if (!names.empty()) names += ", ";
    names += sc.name;
  }
  return names;
}

lab::Config make_config(const LabOptions& o) {
  lab::Config config;
  for (const std::string& name : o.scenarios) {
    if (!lab::find_scenario(name)) {
      throw UsageError("unknown scenario " + quote(name) + ": use " + scenario_names());
    }
  }
  // Report order is the table's order, whatever order the names were given in.
  for (const lab::Scenario& sc : lab::scenarios()) {
    bool chosen = o.scenarios.empty();
    for (const std::string& name : o.scenarios) chosen |= name == sc.name;
    if (chosen) config.names.emplace_back(sc.name);
  }
  auto wait = duration_option("--wait", o.wait);
  if (wait > std::chrono::seconds(5)) {
    throw UsageError("invalid wait " + quote(o.wait) + ": at most 5s, so that the lab stays quick");
  }
  config.wait = std::chrono::duration_cast<std::chrono::milliseconds>(wait);
  if (config.wait.count() < 1) config.wait = std::chrono::milliseconds(1);
  if (o.firewall != "auto" && o.firewall != "iptables" && o.firewall != "nft") {
    throw UsageError("invalid firewall " + quote(o.firewall) + ": use auto, iptables or nft");
  }
  config.firewall = o.firewall;
  return config;
}

int run_lab(const LabOptions& o) {
  lab::Config config = make_config(o);
  if (o.list) {
    for (const lab::Scenario& sc : lab::scenarios()) print_out("{:24} {}\n", sc.name, sc.title);
    return 0;
  }

  lab::Measurement m = lab::measure(config, [&o](const lab::Record& record) {
    if (!o.json) return;
    // lab's records are few and not Outcomes: nlohmann-json writes them.
    print_out(record.dump(-1, ' ', false, lab::Record::error_handler_t::replace) + "\n");
    flush_stdout();
  });
  for (const std::string& warning : m.warnings) {
    print_err("nbconnect: lab: {}\n", warning);
  }
  if (!m.error.empty()) {
    print_err("nbconnect: lab: {}\n", m.error);
    return kExitInternal;
  }
  if (!o.json) {
    std::string text = lab::render_markdown(m.records);
    print_out(text);
  }
  return 0;
}

}  // namespace

Subcommand setup_lab(CLI::App& app) {
  auto options = std::make_shared<LabOptions>();
  CLI::App* sub = app.add_subcommand(
      "lab", "Measure how this kernel answers non-blocking connects (the behaviour matrix)");
  sub->add_flag("--json", options->json, "One JSON record per scenario on stdout");
  std::vector<std::string> names;
  for (const lab::Scenario& sc : lab::scenarios()) names.emplace_back(sc.name);
  set_values(
      sub->add_option("--scenario", options->scenarios, "Run only these scenarios (see --list)")
          ->type_name("NAME")
          ->expected(1, -1),
      std::move(names));
  sub->add_flag("--list", options->list, "List the scenarios and exit");
  sub->add_option("--wait", options->wait,
                  "How long a connect with no answer is waited for (default 300ms)")
      ->type_name("DUR");
  set_values(
      sub->add_option("--firewall", options->firewall,
                      "Tool for the firewall rules: auto (iptables, else nft), iptables, nft")
          ->type_name("TOOL"),
      {"auto", "iptables", "nft"});
  sub->footer(
      "Examples:\n"
      "  nbconnect lab\n"
      "  nbconnect lab --list\n"
      "  nbconnect lab --scenario syn-dropped nothing-listening --wait 1s --json\n"
      "  nbconnect lab --firewall nft");
  return {sub, [options] { return run_lab(*options); }};
}

}  // namespace nbc::cli
