// The options of the checks after connect (--tls, --sni, --alpn, --ca, --insecure, --warn-expiry,
// --send, --expect, --read-bytes, --http, --http-status; docs/checks.md) for check, wait and
// ping: registered on a subcommand with one call, turned into the library's CheckOptions, and
// the check's part of the text line and the exit code (the record's "check" object is
// record_writer.hpp's).
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "nbconnect/check.hpp"
#include "nbconnect/outcome.hpp"

namespace nbc::cli {

inline constexpr int kExitCheckFailed = 6;  // connected, but a check failed

struct CheckWords {
  bool tls = false;
  std::string sni;
  std::string alpn;
  std::string ca;
  bool insecure = false;
  std::string warn_expiry;
  std::string send;
  std::string expect;
  std::string read_bytes;
  std::string http;  // --http [PATH]: the path, when one was given
  const CLI::Option* http_option = nullptr;
  std::string http_status;
};

// Adds the check options to a subcommand.
void add_check_options(CLI::App& app, CheckWords& words);

// --http takes an optional PATH, and a path starts with '/': `--http WORD` where WORD does not
// (`--http 127.0.0.1 8080`, `--http -v`, `--http` last) becomes `--http=/`, so WORD stays the
// word it is. `--http /x` and `--http=/x` are left as they are (`--http=x` is then bad usage).
// Rewrites args (args[0] is the program) in place, before CLI11 parses them; stops at `--`.
void leave_http_path_optional(std::vector<char*>& args);

// The one target of check and ping: HOST PORT, HOST:PORT or unix:/PATH. Throws UsageError
// naming the bad word; when the first word is the one that followed --http without a slash and
// the words make no target (`--http health HOST PORT`), that word, as `--http=health` would.
HostPort parse_one_target(const std::vector<std::string>& words);

// The library's options from the words (`host`: the target's host as written, the default SNI
// name and Host header when it is a name). Throws UsageError naming the bad word. nullopt when no
// check was asked for.
std::optional<CheckOptions> to_check_options(const CheckWords& words, const std::string& host,
                                             bool host_is_name);

// " check tls ok in 3.2 ms (TLSv1.3, CN=example.com, 89 days left)" or
// " check http failed (http-status: 404 Not Found) in 1.1 ms": appended to the outcome's line.
std::string check_text(const CheckReport& report);

// The exit code: that of the connect, or 6 when it connected and a check failed.
int exit_code_with_check(const Outcome& outcome, int connect_code);

}  // namespace nbc::cli
