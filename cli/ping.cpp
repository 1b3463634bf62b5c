// nbconnect ping HOST:PORT: repeated connects to one target, a line per probe and ping's summary
// (also at 100% loss and on Ctrl-C).
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "check_options.hpp"
#include "common.hpp"
#include "exit_code.hpp"
#include "interrupt.hpp"
#include "names.hpp"
#include "output.hpp"
#include "pictures.hpp"
#include "ping_stats.hpp"
#include "proxy_options.hpp"
#include "record_writer.hpp"
#include "subcommands.hpp"

namespace nbc::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct PingOptions {
  CommonOptions common;
  std::vector<std::string> words;
  std::string count;
  std::string interval;
  std::vector<std::string> dns_servers;
  CheckWords checks;
};

double rounded_ms(std::chrono::nanoseconds d) {
  return std::round(to_ms(d) * 1000.0) / 1000.0;
}

// A statistic in milliseconds with three decimals, or null when no probe connected.
void ms_or_null(JsonObject& j, std::string_view key, const std::optional<RttStats>& r,
                double RttStats::*field) {
  if (r) {
    j.decimal3(key, (*r).*field);
  } else {
    j.null(key);
  }
}

// On a terminal: each probe line's latency bar, and the histogram under the summary.
struct Pictures {
  bool on = false;
  Glyphs glyphs;
  double full_ms = 1000;  // the probe timeout: a full bar
};

void print_summary(const std::string& shown, const PingStats& s, std::chrono::nanoseconds elapsed,
                   bool json, const std::optional<RttStats>& checks = std::nullopt,
                   const RttRecorder* rtts = nullptr, const Pictures& pictures = {}) {
  if (json) {
    std::string line;
    JsonObject j(line);
    j.string("type", "summary")
        .string("target", shown)
        .number("sent", s.sent)
        .number("connected", s.connected)
        .number("failed", s.failed)
        .decimal3("loss_pct", s.loss_pct);
    ms_or_null(j, "rtt_min_ms", s.rtt, &RttStats::min_ms);
    ms_or_null(j, "rtt_avg_ms", s.rtt, &RttStats::avg_ms);
    ms_or_null(j, "rtt_max_ms", s.rtt, &RttStats::max_ms);
    ms_or_null(j, "rtt_mdev_ms", s.rtt, &RttStats::mdev_ms);
    ms_or_null(j, "rtt_p50_ms", s.rtt, &RttStats::p50_ms);
    ms_or_null(j, "rtt_p90_ms", s.rtt, &RttStats::p90_ms);
    ms_or_null(j, "rtt_p99_ms", s.rtt, &RttStats::p99_ms);
    j.decimal3("time_ms", to_ms(elapsed));
    if (checks) {
      // The checks' own times (docs/checks.md), apart from the connect times above.
      ms_or_null(j, "check_min_ms", checks, &RttStats::min_ms);
      ms_or_null(j, "check_avg_ms", checks, &RttStats::avg_ms);
      ms_or_null(j, "check_max_ms", checks, &RttStats::max_ms);
    }
    j.close();
    line += '\n';
    print_out(line);
  } else {
    print_out("\n--- {} ping statistics ---\n", shown);
    print_out("{} probes sent, {} connected, {} failed, {:.1f}% loss, time {:.0f} ms\n", s.sent,
              s.connected, s.failed, s.loss_pct, to_ms(elapsed));
    if (s.rtt) {
      const RttStats& r = *s.rtt;
      print_out("rtt min/avg/max/mdev = {:.3f}/{:.3f}/{:.3f}/{:.3f} ms\n", r.min_ms, r.avg_ms,
                r.max_ms, r.mdev_ms);
      print_out("rtt p50/p90/p99 = {:.3f}/{:.3f}/{:.3f} ms\n", r.p50_ms, r.p90_ms, r.p99_ms);
    } else {
      print_out("rtt min/avg/max/mdev = -/-/-/- ms (no probe connected)\n");
      print_out("rtt p50/p90/p99 = -/-/- ms\n");
    }
    if (checks) {
      print_out("check min/avg/max = {:.3f}/{:.3f}/{:.3f} ms\n", checks->min_ms, checks->avg_ms,
                checks->max_ms);
    }
    if (pictures.on && rtts && s.rtt) {
      for (const std::string& line : latency_histogram(*rtts, *s.rtt, pictures.glyphs)) {
        print_out("{}\n", line);
      }
    }
  }
  flush_stdout();
}

// Runs the dialer until `done` or Ctrl-C; false when interrupted.
bool run_until(Dialer& dialer, const bool& done) {
  while (!done) {
    if (caught_signal()) return false;
    dialer.run_once(std::chrono::milliseconds(-1));
  }
  return !caught_signal();
}

// Waits until `until` unless Ctrl-C comes first.
bool pause_until(Dialer& dialer, Clock::time_point until) {
  // Each round ends at `until` or at a signal, so this is bounded by the interval.
  while (!caught_signal()) {
    auto now = Clock::now();
    if (now >= until) return true;
    dialer.run_once(until - now);
  }
  return false;
}

int run_ping(const PingOptions& o) {
  HostPort target = parse_one_target(o.words);
  check_family(target, o.common);
  // An empty count means no limit.
  long count = o.count.empty() ? 0 : static_cast<long>(number_option("-c", o.count, 1, 1000000000));
  std::chrono::nanoseconds interval =
      o.interval.empty() ? std::chrono::seconds(1) : duration_option("-i", o.interval);
  ConnectOptions connect = to_connect_options(o.common, std::chrono::seconds(1));
  connect.keep_socket = false;
  connect.check = to_check_options(o.checks, target.host, !target.literal);
  if (target.literal) check_source_family(connect, target.literal->family(), target.host);
  warn_unreliable_method(connect);
  // socks5h: a name goes to the proxy unresolved (the address dialled is a placeholder).
  std::optional<Endpoint> placeholder = unresolved_proxy_target(target, connect);
  DialOptions options = to_dial_options(o.common, connect, o.dns_servers);
  options.deadline = connect.timeout;  // -t bounds the resolution and each probe as a whole
  std::string shown = target.to_string();
  bool json = o.common.json;
  Pictures pictures;
  pictures.on = !json && pictures_wanted(STDOUT_FILENO);
  pictures.glyphs = terminal_glyphs();
  pictures.full_ms = to_ms(connect.timeout);

  // Ctrl-C ends the run with the summary, as ping does (the handler cuts the wait short).
  catch_signals({SIGINT});

  Dialer dialer(connect.backend);
  auto started = Clock::now();

  // The name is resolved once; each probe then races the addresses (Happy Eyeballs).
  Resolution resolution;
  bool resolved = false;
  if (placeholder) {
    resolution.addresses = {*placeholder};
    resolved = true;
  } else {
    dialer.resolve(target, options, [&](Resolution r) {
      resolution = std::move(r);
      resolved = true;
    });
  }
  if (!run_until(dialer, resolved)) {
    print_summary(shown, compute_ping_stats(0, {}), Clock::now() - started, json);
    return 1;
  }
  if (!resolution.ok()) {
    if (json) {
      std::string line;
      append_json_record(line, resolution.failure, target.host, target.port, record_method());
      print_out(line);
    } else {
      print_err("nbconnect: cannot resolve '{}': {} ({})\n", target.host,
                resolution.failure.reason_name(), resolution.failure.detail);
    }
    return exit_code(resolution.failure.state, resolution.failure.reason);
  }
  if (!json) {
    std::string list;
    for (const Endpoint& ep : resolution.addresses) {
      list += list.empty() ? ep.address() : ", " + ep.address();
    }
    if (placeholder) list = "resolved by the proxy";
    print_out("PING {} ({}): TCP connect, timeout {}\n", shown, list,
              format_duration(connect.timeout));
    // Nobody reads what we print (a full disk, a reader gone with SIGPIPE ignored): stop.
    if (!flush_stdout()) return kExitIoError;
  }

  std::size_t sent = 0;
  RttRecorder rtts;  // constant memory however long ping runs
  RttRecorder check_times;
  auto next = Clock::now();
  for (long seq = 1; count == 0 || seq <= count; ++seq) {
    if (seq > 1 && !pause_until(dialer, next)) break;
    next = Clock::now() + interval;
    DialResult result;
    bool done = false;
    Dialer::Id id = dialer.dial(resolution.addresses, options, [&](DialResult r) {
      result = std::move(r);
      done = true;
    });
    if (!run_until(dialer, done)) {
      // A probe cut short by Ctrl-C is not counted.
      dialer.cancel(id);
      break;
    }
    if (placeholder) forget_placeholder_peer(result.outcome);
    ++sent;
    const Outcome& out = result.outcome;
    // A probe whose check failed is a failed probe; the check's time is counted apart.
    if (out.is_open() && (!out.check || out.check->ok)) rtts.add(rounded_ms(out.rtt));
    if (out.check) check_times.add(rounded_ms(out.check->elapsed));
    if (json) {
      std::string line;
      JsonObject j(line);
      j.string("type", "probe").number("seq", seq);
      dial_fields(j, result, target.host, target.port, record_method());
      j.close();
      line += '\n';
      print_out(line);
    } else {
      std::string where = out.peer.empty() ? shown : out.peer.to_string();
      std::string why = out.reason_name();
      if (out.error != 0) why += fmt::format(": {}", std::strerror(out.error));
      std::string picture;
      if (pictures.on && out.is_open() && (!out.check || out.check->ok)) {
        picture = "  " + latency_bar(to_ms(out.rtt), pictures.full_ms, 12, pictures.glyphs);
        picture.erase(picture.find_last_not_of(' ') + 1);
      } else if (pictures.on) {
        picture = pictures.glyphs.unicode ? "  ×" : "  x";  // a failed probe stands out
      }
      print_out("seq={} {} {} ({}) time={}{}{}\n", seq, where, to_string(out.state), why,
                format_ms(out.rtt), out.check ? check_text(*out.check) : std::string(), picture);
    }
    if (!flush_stdout()) return kExitIoError;
  }
  PingStats stats = ping_stats(sent, rtts);
  std::optional<RttStats> checks;
  if (connect.check) {
    checks = ping_stats(check_times.count(), check_times).rtt;
  }
  print_summary(shown, stats, Clock::now() - started, json, checks, &rtts, pictures);
  return stats.connected > 0 ? 0 : 1;
}

}  // namespace

Subcommand setup_ping(CLI::App& app) {
  auto options = std::make_shared<PingOptions>();
  CLI::App* sub = app.add_subcommand("ping", "Connect to HOST:PORT again and again, like ping");
  add_common_options(*sub, options->common, "Per-probe timeout (default 1s)");
  add_udp_options(*sub, options->common);
  sub->add_option("-c,--count", options->count, "Stop after COUNT probes (default: until Ctrl-C)")
      ->type_name("COUNT");
  sub->add_option("-i,--interval", options->interval, "Start a probe every DUR (default 1s)")
      ->type_name("DUR");
  sub->add_option("target", options->words, "HOST:PORT, [IPV6]:PORT or unix:/PATH")->expected(1, 3);
  add_dns_option(*sub, options->dns_servers);
  add_check_options(*sub, options->checks);
  refuse_empty_values(*sub);
  sub->footer(
      "Examples:\n"
      "  nbconnect ping example.com:443\n"
      "  nbconnect ping -c 100 -i 10ms -t 250ms --json [2001:db8::1]:22 > rtt.jsonl\n"
      "  nbconnect ping -c 3 unix:/var/run/docker.sock\n"
      "  nbconnect ping --udp --payload 00 -c 5 192.0.2.53:53");
  return {sub, [options] { return run_ping(*options); }};
}

}  // namespace nbc::cli
