// nbconnect wait HOST:PORT... [-- COMMAND ARGS...]: waits until every target accepts a
// connection, then execs COMMAND (or exits 0); exit 124 when the time runs out.
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>

#include "check_options.hpp"
#include "common.hpp"
#include "names.hpp"
#include "output.hpp"
#include "proxy_options.hpp"
#include "record_writer.hpp"
#include "subcommands.hpp"

namespace nbc::cli {

std::vector<std::string>& wait_command() {
  static std::vector<std::string> words;
  return words;
}

namespace {

using Clock = std::chrono::steady_clock;

struct WaitOptions {
  CommonOptions common;
  std::vector<std::string> words;
  std::string attempt_timeout;
  bool quiet = false;
  std::vector<std::string> dns_servers;
  CheckWords checks;
};

struct Target {
  HostPort where;
  std::string shown;
  bool up = false;
  bool in_flight = false;
  int failures = 0;
  Clock::time_point retry_at{};
  std::optional<DialResult> last;
  std::optional<CheckOptions> check;  // the checks, with this target's name for SNI and Host
};

// Back-off after `failures` failed tries: 50 ms doubling up to 1 s, then a random part of it
// between a half and the whole, so that many waiters do not knock in step.
std::chrono::nanoseconds backoff(int failures, std::minstd_rand& rng) {
  auto base = std::chrono::milliseconds(50) * (1LL << std::min(failures - 1, 5));
  auto capped = std::min<std::chrono::nanoseconds>(base, std::chrono::seconds(1));
  std::uniform_int_distribution<long long> pick(capped.count() / 2, capped.count());
  return std::chrono::nanoseconds(pick(rng));
}

[[noreturn]] void exec_command(const std::vector<std::string>& command) {
  std::vector<char*> argv;
  for (const std::string& w : command) argv.push_back(const_cast<char*>(w.c_str()));
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  int err = errno;
  print_err("nbconnect: cannot run '{}': {}\n", argv[0], std::strerror(err));
  // The shell's convention: 127 when the command is not found, 126 when it cannot run.
  ::_exit(err == ENOENT ? 127 : 126);
}

int run_wait(const WaitOptions& o) {
  if (o.words.empty()) throw UsageError("missing target: give HOST:PORT...");
  std::vector<Target> targets;
  for (const std::string& word : o.words) {
    Target t;
    t.where = value_or_usage(parse_host_port(word));
    check_family(t.where, o.common);
    t.shown = word;
    t.check = to_check_options(o.checks, t.where.host, !t.where.literal);
    targets.push_back(std::move(t));
  }
  auto overall = o.common.timeout.empty() ? std::chrono::nanoseconds(std::chrono::seconds(30))
                                          : duration_option("--timeout", o.common.timeout);
  auto per_attempt = o.attempt_timeout.empty()
                         ? std::chrono::nanoseconds(std::chrono::seconds(1))
                         : duration_option("--attempt-timeout", o.attempt_timeout);
  CommonOptions common = o.common;
  common.timeout.clear();  // -t is the overall limit here, not the per-attempt one
  ConnectOptions connect = to_connect_options(common, per_attempt);
  connect.keep_socket = false;
  for (const Target& t : targets) {
    if (t.where.literal) check_source_family(connect, t.where.literal->family(), t.shown);
  }
  warn_unreliable_method(connect);
  DialOptions options = to_dial_options(o.common, connect, o.dns_servers);
  // A name that does not resolve yet is asked again soon, not after long DNS retries.
  options.dns_timeout = std::min<std::chrono::nanoseconds>(per_attempt, options.dns_timeout);
  options.dns_tries = 1;
  bool json = o.common.json;
  bool quiet = o.quiet;

  std::minstd_rand rng(std::random_device{}());
  auto started = Clock::now();
  auto deadline = started + overall;
  std::size_t up_count = 0;
  {
    Dialer dialer(connect.backend);
    // Every round either starts dials, handles their events, or sleeps until the next retry
    // or the deadline, so the loop ends at the deadline at the latest.
    // A record that cannot be written ends the wait (main() says why, exit 74).
    while (up_count < targets.size() && !stdout_failed()) {
      auto now = Clock::now();
      if (now >= deadline) break;
      for (Target& t : targets) {
        if (t.up || t.in_flight || now < t.retry_at) continue;
        DialOptions opts = options;
        opts.deadline = deadline - now;
        opts.connect.check = t.check;
        t.in_flight = true;
        // socks5h: a name goes to the proxy unresolved (the address dialled is a placeholder).
        std::optional<Endpoint> placeholder = unresolved_proxy_target(t.where, opts.connect);
        auto on_done = [&, tp = &t, remote = placeholder.has_value()](DialResult r) {
          Target& t = *tp;  // the vector does not grow: the pointer stays valid
          t.in_flight = false;
          if (remote) {
            forget_placeholder_peer(r.outcome);
            for (Outcome& a : r.tried) forget_placeholder_peer(a);
          }
          auto at = Clock::now();
          if (json) {
            std::string lines;
            if (r.tried.empty()) {
              append_json_record(lines, r.outcome, t.where.host, t.where.port, record_method());
            } else {
              for (const Outcome& a : r.tried) {
                append_json_record(lines, a, t.where.host, t.where.port, record_method());
              }
            }
            print_out(lines);
            flush_stdout();
          }
          // Up means connected and every check passed (docs/checks.md).
          if (r.outcome.is_open() && (!r.outcome.check || r.outcome.check->ok)) {
            t.up = true;
            ++up_count;
            if (!quiet && !json) {
              print_err("nbconnect: {} is up ({}) after {:.3f} s\n", t.shown,
                        r.outcome.peer.empty() ? std::string("through the proxy")
                                               : r.outcome.peer.to_string(),
                        to_ms(at - started) / 1000.0);
            }
          } else {
            ++t.failures;
            t.retry_at = at + backoff(t.failures, rng);
          }
          t.last = std::move(r);
        };
        if (placeholder) {
          dialer.dial(std::vector<Endpoint>{*placeholder}, opts, std::move(on_done));
        } else {
          dialer.dial(t.where, opts, std::move(on_done));
        }
      }
      auto wake = deadline;
      for (const Target& t : targets) {
        if (!t.up && !t.in_flight) wake = std::min(wake, t.retry_at);
      }
      now = Clock::now();
      if (up_count < targets.size()) {
        dialer.run_once(std::max(std::chrono::nanoseconds(0), wake - now));
      }
    }
    // Leaving the scope closes every socket still connecting, and the resolver's.
  }

  // The command runs only when everything printed so far reached stdout.
  if (!flush_stdout()) return kExitIoError;
  if (up_count < targets.size()) {
    if (!quiet) {
      for (const Target& t : targets) {
        if (t.up) continue;
        std::string last =
            t.last ? outcome_text(t.last->outcome, t.where.to_string()) : "no attempt finished";
        print_err("nbconnect: timed out after {}: {} is down: {}\n", format_duration(overall),
                  t.shown, last);
      }
    }
    return kExitTimeout;
  }
  if (!wait_command().empty()) exec_command(wait_command());
  return 0;
}

}  // namespace

Subcommand setup_wait(CLI::App& app) {
  auto options = std::make_shared<WaitOptions>();
  CLI::App* sub = app.add_subcommand(
      "wait", "Wait until every HOST:PORT accepts a connection, then run COMMAND (after --)");
  add_common_options(*sub, options->common, "Give up after DUR overall (default 30s)");
  sub->add_option("--attempt-timeout", options->attempt_timeout,
                  "Give up one attempt after DUR (default 1s)")
      ->type_name("DUR");
  sub->add_flag("-q,--quiet", options->quiet, "Print nothing, only set the exit code");
  sub->add_option("target", options->words,
                  "HOST:PORT, [IPV6]:PORT or unix:/PATH (unix:@NAME), one or more");
  add_dns_option(*sub, options->dns_servers);
  add_check_options(*sub, options->checks);
  sub->footer(
      "After --, COMMAND [ARG...] is executed (exec) once every target is up.\n\n"
      "Examples:\n"
      "  nbconnect wait db:5432 -- ./migrate\n"
      "  nbconnect wait --tls --http /health api:443 -- ./smoke-test\n"
      "  nbconnect wait -q -t 10s localhost:8080 && curl http://localhost:8080/\n"
      "  nbconnect wait unix:/var/run/docker.sock -- docker info");
  refuse_empty_values(*sub);
  return {sub, [options] { return run_wait(*options); }};
}

}  // namespace nbc::cli
