// Options and helpers shared by the subcommands.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "exit_code.hpp"
#include "nbconnect/nbconnect.hpp"
#include "proxy_options.hpp"

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
  // --udp and --payload (check, scan, ping; add_udp_options).
  bool udp = false;
  std::string payload;
  ProxyCliOptions proxy;  // --proxy, --proxy-env (proxy_options.hpp)
};

// Adds -t/--timeout (with the given help text), -4, -6, --source, --method, --backend, -v, --json,
// --proxy and --proxy-env.
void add_common_options(CLI::App& app, CommonOptions& options, const std::string& timeout_help);

// Adds --udp and --payload HEX|@FILE (check, scan and ping: a datagram probe, docs/outcomes.md).
void add_udp_options(CLI::App& app, CommonOptions& options);

// A UDP probe's payload: hex digits (an even number of them), or @FILE (at most 65507 bytes, the
// most an IPv4 datagram carries). Throws UsageError naming the word.
std::vector<unsigned char> parse_payload(const std::string& text);

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
// anything else is a UsageError naming the option, the word and the limits.
std::uint64_t number_option(const std::string& name, const std::string& text, std::uint64_t min,
                            std::uint64_t max);

// Its twin for numbers with a fraction: DIGITS, DIGITS.DIGITS or .DIGITS, nothing else (no sign,
// no exponent, no hex, no "5."), in [min, max]; else a UsageError naming option, word and limits.
double decimal_option(const std::string& name, const std::string& text, double min, double max);

// Makes every option of `app` that takes a value refuse an empty one ("-t ''" is a mistake, not
// a request for the default). Call after the options are added.
void refuse_empty_values(CLI::App& app);

// The words an option accepts, when it accepts only a few (--method, --backend, --order, -T):
// set where the option is defined, read by the shell completions and the option listing.
void set_values(const CLI::Option* option, std::vector<std::string> values);
const std::vector<std::string>& values_of(const CLI::Option* option);

// The detection method the JSON records name ("method" on every record); set by
// to_connect_options.
Method record_method();

// Prints the warning for an unreliable detection method (zero-read) on stderr; call once the
// input is known to be good, just before the first connect.
void warn_unreliable_method(const ConnectOptions& options);

// A source address that cannot serve `target_family` is bad input: throws UsageError naming it.
void check_source_family(const ConnectOptions& options, Family target_family,
                         const std::string& target);

}  // namespace nbc::cli
