// nbconnect [check] HOST PORT: one connect, reported as text or JSON, with the exit code of §1.
#include <netdb.h>

#include <fmt/format.h>

#include <memory>

#include "common.hpp"
#include "output.hpp"
#include "subcommands.hpp"

namespace nbc::cli {
namespace {

struct CheckOptions {
  CommonOptions common;
  std::vector<std::string> words;
};

HostPort parse_target(const std::vector<std::string>& words) {
  if (words.size() == 1) return value_or_usage(parse_host_port(words[0]));
  if (words.size() == 2) return value_or_usage(parse_host_and_port(words[0], words[1]));
  if (words.empty()) throw UsageError("missing target: give HOST PORT or HOST:PORT");
  throw UsageError("unexpected argument '" + words[2] + "': give HOST PORT or HOST:PORT");
}

// The system resolver, until the c-ares dialer takes over host names.
std::vector<Endpoint> resolve(const HostPort& target, const CommonOptions& o, Outcome& failure) {
  addrinfo hints{};
  hints.ai_family = o.ipv4 ? AF_INET : o.ipv6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  addrinfo* list = nullptr;
  int rc = getaddrinfo(target.host.c_str(), nullptr, &hints, &list);
  std::vector<Endpoint> out;
  if (rc != 0) {
    failure.state = State::unresolved;
    failure.phase = Phase::resolve;
    failure.reason = rc == EAI_NONAME    ? Reason::nxdomain
                     : rc == EAI_NODATA  ? Reason::no_address
                     : rc == EAI_AGAIN   ? Reason::dns_timeout
                                         : Reason::dns_error;
    failure.detail = gai_strerror(rc);
    return out;
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(list, freeaddrinfo);
  for (addrinfo* ai = list; ai; ai = ai->ai_next) {
    Endpoint ep = Endpoint::from_sockaddr(ai->ai_addr, ai->ai_addrlen);
    ep.set_port(target.port);
    if (std::find(out.begin(), out.end(), ep) == out.end()) out.push_back(ep);
  }
  return out;
}

void report(const Outcome& outcome, const std::string& target, bool json) {
  if (json) {
    print_json_line(outcome_json(outcome, target));
  } else {
    fmt::print("{}\n", outcome_text(outcome));
  }
}

int run_check(const CheckOptions& o) {
  HostPort target = parse_target(o.words);
  check_family(target, o.common);
  ConnectOptions options = to_connect_options(o.common, std::chrono::seconds(5));
  options.keep_socket = false;
  if (o.common.verbose) {
    options.trace(fmt::format("backend {}, method {}, timeout {}", to_string(options.backend),
                              to_string(options.method), format_ms(options.timeout)));
  }
  std::string shown = target.to_string();
  if (target.literal) {
    Endpoint ep = *target.literal;
    ep.set_port(target.port);
    Outcome outcome = connect(ep, options);
    report(outcome, target.host, o.common.json);
    return exit_code(outcome.state, outcome.reason);
  }
  Outcome failure;
  std::vector<Endpoint> addresses = resolve(target, o.common, failure);
  if (addresses.empty()) {
    report(failure, target.host, o.common.json);
    if (!o.common.json) fmt::print(stderr, "nbconnect: cannot resolve '{}'\n", target.host);
    return exit_code(failure.state, failure.reason);
  }
  Outcome last;
  for (const Endpoint& ep : addresses) {
    last = connect(ep, options);
    if (last.is_open()) break;
  }
  report(last, target.host, o.common.json);
  return exit_code(last.state, last.reason);
}

}  // namespace

Subcommand setup_check(CLI::App& app) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* sub = app.add_subcommand("check", "Connect once to HOST PORT (the default command)");
  add_common_options(*sub, options->common, "Give up after DUR (default 5s)");
  sub->add_option("target", options->words, "HOST PORT, HOST:PORT or [IPV6]:PORT")
      ->expected(1, 3);
  return {sub, [options] { return run_check(*options); }};
}

}  // namespace nbc::cli
