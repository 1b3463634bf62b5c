// The command line as written, turned into the shape CLI11 parses: options written before the
// subcommand name move after it (`nbconnect --json check H P` = `nbconnect check --json H P`), and
// `nbconnect HOST PORT` gets its implied `check`.
#pragma once

#include <CLI/CLI.hpp>

#include <vector>

#include "subcommands.hpp"

namespace nbc::cli {

// Reorders args (args[0] is the program) in place. Which words are options, and which of those
// take a value, is read from the options the subcommands of `app` define, never from a list here.
void normalize_command_line(const CLI::App& app, const std::vector<Subcommand>& subcommands,
                            std::vector<char*>& args);

// True when `word` is the name of a subcommand of `app`.
bool is_subcommand_name(const CLI::App& app, const char* word);

}  // namespace nbc::cli
