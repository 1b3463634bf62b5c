// Options and helpers shared by the subcommands.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "exit_code.hpp"
#include "nbconnect/nbconnect.hpp"

namespace nbc::cli {

// Bad usage or input: main() prints "nbconnect: <message>" and exits 64.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The options that check, scan, wait and ping share (docs/outcomes.md, the command line).
struct CommonOptions {
  std::string timeout;
  bool ipv4 = false;
  bool ipv6 = false;
  std::string source;
  std::string method = "so-error";
  std::string backend = "epoll";
  bool verbose = false;
  bool json = false;
};

// Adds -t/--timeout (with the given help text), -4, -6, --source, --method, --backend, -v, --json.
void add_common_options(CLI::App& app, CommonOptions& options, const std::string& timeout_help);

// Turns the words into connect options; throws UsageError naming the bad word.
ConnectOptions to_connect_options(const CommonOptions& options,
                                  std::chrono::nanoseconds default_timeout);

// Throws UsageError with the parse error's message.
template <typename T>
T value_or_usage(Parsed<T> parsed) {
  if (!parsed) throw UsageError(parsed.error().message);
  return std::move(*parsed);
}

// Parses a duration given to option `name`; throws UsageError.
std::chrono::nanoseconds duration_option(const std::string& name, const std::string& text);

// Refuses a literal of the other family when -4 or -6 is given.
void check_family(const HostPort& target, const CommonOptions& options);

// The tracer used for -v: one line per system call on stderr.
Tracer stderr_tracer();

// The CLI's one number parser: a whole decimal number in [min, max] given to option `name`;
// anything else is a UsageError naming the option and the word.
std::uint64_t number_option(const std::string& name, const std::string& text, std::uint64_t min,
                            std::uint64_t max);

}  // namespace nbc::cli
