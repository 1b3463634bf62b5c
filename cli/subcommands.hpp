// One file per subcommand (CLI11's subcom_in_files shape): setup_* adds the subcommand and its
// options to the app and returns the function that runs it after a successful parse.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace nbc::cli {

struct Subcommand {
  CLI::App* app;
  std::function<int()> run;
  // Set when the subcommand parses its words with a parser of its own (scan): an app that holds
  // the same options, for listing them and for reading options written before the name.
  std::shared_ptr<const CLI::App> own_parser = nullptr;

  // The app that defines the subcommand's options.
  const CLI::App& options() const { return own_parser ? *own_parser : *app; }
};

Subcommand setup_check(CLI::App& app);
Subcommand setup_scan(CLI::App& app);
Subcommand setup_merge(CLI::App& app);
Subcommand setup_wait(CLI::App& app);
Subcommand setup_ping(CLI::App& app);
Subcommand setup_lab(CLI::App& app);
// Hidden: `nbconnect completion bash|zsh|fish|options`, from the options of `subcommands`.
Subcommand setup_completion(CLI::App& app, const std::vector<Subcommand>& subcommands);

// The words after `--` on a `wait` command line: the command it runs once every target is up.
// main() takes them out before parsing, so that they are never read as targets or options.
std::vector<std::string>& wait_command();

}  // namespace nbc::cli
