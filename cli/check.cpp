// nbconnect [check] HOST PORT: one connect, reported as text or JSON, with the exit code of
// docs/outcomes.md.
#include <fmt/format.h>

#include <memory>

#include "check_options.hpp"
#include "common.hpp"
#include "exit_code.hpp"
#include "names.hpp"
#include "output.hpp"
#include "record_writer.hpp"
#include "subcommands.hpp"

namespace nbc::cli {
namespace {

struct CheckOptions {
  CommonOptions common;
  std::vector<std::string> words;
  std::vector<std::string> dns_servers;
  CheckWords checks;
  std::string retries;  // --udp: probes sent again within the timeout
};

void report(const Outcome& outcome, const HostPort& target, bool json) {
  if (json) {
    std::string line;
    append_json_record(line, outcome, target.host, target.port, record_method());
    print_out(line);
  } else {
    print_out("{}\n", outcome_text(outcome, target.to_string()));
  }
}

int run_check(const CheckOptions& o) {
  HostPort target = parse_one_target(o.words);
  check_family(target, o.common);
  ConnectOptions options = to_connect_options(o.common, std::chrono::seconds(5));
  options.keep_socket = false;
  options.check = to_check_options(o.checks, target.host, !target.literal);
  if (!o.retries.empty()) {
    if (!o.common.udp) throw UsageError("--retries " + quote(o.retries) + " needs --udp");
    options.udp_resends = static_cast<int>(number_option("--retries", o.retries, 0, 10));
  }
  if (target.literal) check_source_family(options, target.literal->family(), target.host);
  warn_unreliable_method(options);
  if (o.common.verbose) {
    options.trace(fmt::format("backend {}, method {}, timeout {}", to_string(options.backend),
                              to_string(options.method), format_duration(options.timeout)));
  }
  std::string shown = target.to_string();
  if (auto placeholder = unresolved_proxy_target(target, options)) {  // socks5h: not resolved here
    Outcome outcome = connect(*placeholder, options);
    forget_placeholder_peer(outcome);
    report(outcome, target, o.common.json);
    return exit_code_with_check(outcome, exit_code(outcome.state, outcome.reason));
  }
  if (target.literal) {
    Endpoint ep = *target.literal;
    ep.set_port(target.port);
    Outcome outcome = connect(ep, options);
    report(outcome, target, o.common.json);
    return exit_code_with_check(outcome, exit_code(outcome.state, outcome.reason));
  }
  // A name: resolved with c-ares and dialled with Happy Eyeballs (docs/architecture.md, the
  // dialer).
  DialOptions dial_options = to_dial_options(o.common, options, o.dns_servers);
  dial_options.deadline = options.timeout;  // -t bounds it all: resolution and every address
  DialResult result = dial(target, dial_options);
  if (o.common.json) {
    std::string line;
    append_dial_record(line, result, target.host, target.port, record_method());
    print_out(line);
  } else {
    print_out("{}\n", outcome_text(result.outcome, shown));
    if (result.outcome.state == State::unresolved) {
      print_err("nbconnect: cannot resolve '{}'\n", target.host);
    }
  }
  return exit_code_with_check(result.outcome,
                              exit_code(result.outcome.state, result.outcome.reason));
}

}  // namespace

Subcommand setup_check(CLI::App& app) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* sub = app.add_subcommand("check", "Connect once to HOST PORT (the default command)");
  add_common_options(*sub, options->common, "Give up after DUR (default 5s)");
  sub->add_option("target", options->words,
                  "HOST PORT, HOST:PORT, [IPV6]:PORT, or a UNIX socket unix:/PATH or unix:@NAME")
      ->expected(1, 3);
  add_dns_option(*sub, options->dns_servers);
  add_check_options(*sub, options->checks);
  add_udp_options(*sub, options->common);
  sub->add_option("--retries", options->retries,
                  "With --udp: send the probe again N times while no answer came, evenly spaced "
                  "within the timeout (default 0)")
      ->type_name("N");
  refuse_empty_values(*sub);
  sub->footer(
      "Examples:\n"
      "  nbconnect example.com 443\n"
      "  nbconnect check --tls --warn-expiry 14 example.com 443\n"
      "  nbconnect check unix:/run/postgresql/.s.PGSQL.5432\n"
      "  nbconnect check --udp --payload 0d0a -t 2s 192.0.2.10 161");
  return {sub, [options] { return run_check(*options); }};
}

}  // namespace nbc::cli
