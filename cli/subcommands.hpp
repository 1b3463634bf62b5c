// One file per subcommand (CLI11's subcom_in_files shape): setup_* adds the subcommand and its
// options to the app and returns the function that runs it after a successful parse.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace nbc::cli {

struct Subcommand {
  CLI::App* app;
  std::function<int()> run;
};

Subcommand setup_check(CLI::App& app);
Subcommand setup_scan(CLI::App& app);
Subcommand setup_merge(CLI::App& app);
Subcommand setup_wait(CLI::App& app);
Subcommand setup_ping(CLI::App& app);
Subcommand setup_lab(CLI::App& app);

// The words after `--` on a `wait` command line: the command it runs once every target is up.
// main() takes them out before parsing, so that they are never read as targets or options.
std::vector<std::string>& wait_command();

}  // namespace nbc::cli
