// nbconnect scan TARGET... -p PORTS: many connects through the engine, reported as a table, JSON
// or CSV, with a summary line and a progress line.
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "common.hpp"
#include "interrupt.hpp"
#include "names.hpp"
#include "output.hpp"
#include "pictures.hpp"
#include "progress.hpp"
#include "resume.hpp"
#include "scan_canary.hpp"
#include "scan_checks.hpp"
#include "scan_output.hpp"
#include "scan_timing.hpp"
#include "scan_xml.hpp"
#include "subcommands.hpp"
#include "targets.hpp"
#include "top_ports.hpp"
#include "xml_output.hpp"

namespace nbc::cli {
namespace {

struct ScanOptions {
  CommonOptions common;
  std::vector<std::string> targets;
  std::string ports;
  std::vector<std::string> input_lists;
  std::vector<std::string> excludes;
  std::string concurrency;
  std::string proxy_concurrency;  // --proxy-concurrency (proxy_options.hpp)
  std::string rate;
  std::string per_host;
  TimingWords timing;
  std::string threads;
  std::string order = "random";
  std::string seed;
  std::string shard;
  std::vector<std::string> resume;
  std::vector<std::string> dns_servers;
  bool open_only = false;
  bool csv = false;
  bool no_progress = false;
  bool no_canary = false;
  std::string top_ports;
  XmlOptions xml;
  CheckWords checks;              // checks after connect, on the open ports (scan_checks.hpp)
  std::string check_concurrency;  // their own window
  std::string command_line;       // for the XML's args
};

constexpr const char* kScanExamples =
    "Examples:\n"
    "  nbconnect scan -p 22,80,443 192.0.2.0/24\n"
    "  nbconnect scan -p- --open --rate 5000 example.com\n"
    "  nbconnect scan -iL hosts.txt -p 1-1024 --json > scan.jsonl\n"
    "  nbconnect scan --udp -p 53,123,161 -oX udp.xml 192.0.2.0/28";

void add_scan_options(CLI::App& app, ScanOptions& o) {
  add_common_options(app, o.common,
                     "Fixed per-attempt timeout, no adaptation (default: adaptive, see -T)");
  app.add_option("targets", o.targets,
                 "Addresses, host names, CIDR blocks, IPv4 ranges (10.0.0.1-20), HOST:PORT");
  app.add_option("-p,--ports", o.ports,
                 "Ports: 22,80,8000-8100; - (or -p-) for 1-65535 (default: the top 1000)")
      ->type_name("PORTS");
  app.add_option("--top-ports", o.top_ports,
                 "Scan the N ports most often found open (1-65535; nmap's frequencies), instead "
                 "of -p")
      ->type_name("N");
  app.add_option("--iL,--input-list", o.input_lists,
                 "Read targets from FILE, one or more a line, # comments (-iL FILE)")
      ->type_name("FILE");
  app.add_option("--exclude", o.excludes, "Leave out these targets (comma-separated)")
      ->type_name("TARGETS");
  app.add_option("-c,--concurrency", o.concurrency,
                 "Sockets in flight (default: from the descriptor limit)")
      ->type_name("N");
  add_proxy_concurrency_option(app, o.proxy_concurrency);
  app.add_option("--rate", o.rate, "Attempts per second, 0.01-1000000000 (default: no limit)")
      ->type_name("N");
  app.add_option("--per-host", o.per_host, "Attempts in flight per address")->type_name("N");
  add_timing_options(app, o.timing);
  app.add_option("--threads", o.threads, "Event loops, one per thread (default: one per core)")
      ->type_name("N");
  app.add_option("--order", o.order, "random (default) or serial")->type_name("ORDER");
  app.add_option("--seed", o.seed, "Seed of the random order (default: random)")->type_name("N");
  app.add_option("--shard", o.shard, "Scan only part I of N (1 <= I <= N)")->type_name("I/N");
  app.add_option("--resume", o.resume,
                 "Continue the --json scan whose output FILE holds: scan only the probes it lacks")
      ->type_name("FILE");
  add_dns_option(app, o.dns_servers);
  app.add_flag("--open", o.open_only, "Report only open ports");
  app.add_flag("--csv", o.csv, "CSV on stdout, one row per address and port");
  app.add_flag("--no-progress", o.no_progress, "No progress line on stderr");
  app.add_flag("--no-canary", o.no_canary,
               "No canary probes (3 connects to random ports above 1023 of a host open on 90% or "
               "more of its scanned ports, to catch a middlebox answering for every port)");
  add_xml_options(app, o.xml);
  add_udp_options(app, o.common);
  add_check_options(app, o.checks);
  app.add_option("--check-concurrency", o.check_concurrency,
                 "Checks (--tls, --expect, --http) in flight at once, on the open ports after the "
                 "scan (default 32)")
      ->type_name("N");
}

// -p PORTS, --top-ports N, or without either the top 1000 ports (nmap's default).
std::vector<std::uint16_t> scan_ports(const ScanOptions& o) {
  if (!o.ports.empty() && !o.top_ports.empty()) {
    throw UsageError("-p " + quote(o.ports) + " and --top-ports " + quote(o.top_ports) +
                     " exclude each other: give one");
  }
  if (!o.ports.empty()) {
    auto ports = parse_port_list(o.ports);
    if (!ports) throw UsageError("-p: " + ports.error().message);
    return std::move(*ports);
  }
  std::size_t n = kDefaultTopPorts;
  if (!o.top_ports.empty()) n = number_option("--top-ports", o.top_ports, 1, 65535);
  // nmap -sU probes the UDP ranking; the TCP one would miss 161, 137, 123 and the like.
  return top_ports(n, o.common.udp ? Protocol::udp : Protocol::tcp);
}

// The range of --rate (README): below it one probe would wait minutes for the next.
constexpr double kMinRate = 0.01;
constexpr double kMaxRate = 1e9;
// --udp without --rate: below the ICMP error rate a Linux host answers with (docs/timing.md).
constexpr double kUdpDefaultRate = 900;

void parse_shard(const std::string& text, ScanPlan& plan) {
  std::size_t slash = text.find('/');
  if (slash == std::string::npos) {
    throw UsageError("--shard: invalid shard " + quote(text) + ": write I/N, e.g. 1/4");
  }
  constexpr std::uint64_t kMaxShards = 1u << 20;
  std::string count_text = text.substr(slash + 1);
  std::uint64_t count;
  std::uint64_t index;
  try {
    count = number_option("--shard", count_text, 1, kMaxShards);
    index = number_option("--shard", text.substr(0, slash), 0, count);
  } catch (const UsageError&) {
    throw UsageError(
        fmt::format("--shard: invalid shard {}: write I/N, decimal numbers with 1 <= I <= N <= {}",
                    quote(text), kMaxShards));
  }
  // Shards count from 1; 0/N is accepted as N/N, so 0-based numbering gives the same partition.
  plan.shard_count = static_cast<std::uint32_t>(count);
  plan.shard_index = static_cast<std::uint32_t>(index % count);
}

void print_table(const Targets& targets, const std::vector<Row>& rows, Protocol protocol) {
  std::string out;
  std::size_t i = 0;
  while (i < rows.size()) {
    const Row& first = rows[i];
    const std::string& label = targets.labels[first.group][first.host];
    std::string address = targets.groups[first.group].hosts[first.host].address();
    // "open|filtered" needs a wider column than the TCP states.
    const std::size_t width = protocol == Protocol::udp ? 13 : 9;
    fmt::format_to(std::back_inserter(out), "{}\n  {:<11} {:<{}} {:<18} {}\n",
                   host_heading(label, address), "PORT", "STATE", width, "REASON", "RTT");
    for (; i < rows.size() && rows[i].group == first.group && rows[i].host == first.host; ++i) {
      const Row& r = rows[i];
      fmt::format_to(std::back_inserter(out), "  {:<11} {:<{}} {:<18} {}\n",
                     fmt::format("{}/{}", r.port, to_string(protocol)), to_string(r.state), width,
                     r.reason_name(), format_ms(r.rtt));
    }
  }
  print_out(out);
}

int run_scan(ScanOptions& o) {
  if (o.common.json && o.csv) throw UsageError("--json and --csv exclude each other");
  Format format = o.common.json ? Format::json : o.csv ? Format::csv : Format::text;
  XmlSink xml(o.xml, o.common.json, o.csv);
  auto wall_start = std::chrono::system_clock::now();

  // Every word is checked before anything is resolved or sent.
  TargetRequest request;
  request.words = o.targets;
  for (const std::string& path : o.input_lists) read_target_file(path, request);
  request.excludes = o.excludes;
  request.ipv4_only = o.common.ipv4;
  request.ipv6_only = o.common.ipv6;
  for (const std::string& word : o.dns_servers) {
    auto server = parse_dns_server(word);
    if (!server) throw UsageError(server.error().message);
    request.dns_servers.push_back(*server);
  }
  request.ports = scan_ports(o);
  // Checks run on the open ports after the scan; their words are checked now, before anything.
  const bool checks = to_check_options(o.checks, "localhost", true).has_value();
  unsigned check_window = 32;
  if (!o.check_concurrency.empty()) {
    if (!checks) throw UsageError("--check-concurrency needs a check (--tls, --expect, --http)");
    check_window =
        static_cast<unsigned>(number_option("--check-concurrency", o.check_concurrency, 1, 10000));
  }
  if (checks && o.csv) throw UsageError("--csv has no column for a check: use --json");
  if (checks && o.common.udp) throw UsageError("the checks need TCP: leave out --udp");

  EngineOptions engine_options;
  engine_options.connect = to_connect_options(o.common, std::chrono::seconds(1));
  engine_options.connect.keep_socket = false;
  engine_options.connect.linger_zero = true;
  // A scan meets local shortages on purpose (a window as large as the descriptor limit): give a
  // probe more fresh sockets than a single connect gets before its local error stands.
  engine_options.connect.local_error_retries = 8;
  // The window defaults to the descriptor limit: a scan wants the hard limit, not the soft one.
  raise_fd_limit();
  if (!o.concurrency.empty()) {
    engine_options.concurrency = number_option("--concurrency", o.concurrency, 1, 10000000);
  }
  const unsigned proxy_limit = proxy_concurrency(o.proxy_concurrency);
  if (!o.rate.empty()) {
    engine_options.rate = decimal_option("--rate", o.rate, kMinRate, kMaxRate);
  } else if (o.common.udp) {
    // Closed UDP ports answer with ICMP errors, which Linux sends at most about 1,000 a second
    // (net.ipv4.icmp_msgs_per_sec; docs/behaviour-linux.md): faster probes would meet silence
    // and call closed ports open|filtered.
    engine_options.rate = kUdpDefaultRate;
  }
  if (!o.per_host.empty()) {
    engine_options.per_host = number_option("--per-host", o.per_host, 1, 10000000);
  }
  apply_timing(o.timing, o.common, engine_options);
  if (!o.proxy_concurrency.empty() && !engine_options.connect.proxy) {
    throw UsageError("--proxy-concurrency needs --proxy or --proxy-env");
  }
  // Through a proxy: min(-c or the template's, --proxy-concurrency); a lowered -c is said.
  if (engine_options.connect.proxy) {
    engine_options.concurrency =
        window_through_proxy(engine_options.concurrency, proxy_limit, o.concurrency);
  }
  if (!o.threads.empty()) {
    engine_options.threads = static_cast<unsigned>(number_option("--threads", o.threads, 1, 1024));
  } else {
    engine_options.threads = 0;
  }
  ScanPlan plan;
  if (o.order == "random") {
    plan.order = Order::random;
  } else if (o.order == "serial") {
    plan.order = Order::serial;
  } else {
    throw UsageError("--order: invalid order " + quote(o.order) + ": use random or serial");
  }
  if (!o.seed.empty()) {
    plan.seed = number_option("--seed", o.seed, 0, ~std::uint64_t{0});
  } else {
    plan.seed = std::random_device{}() * 0x100000001ULL ^ std::random_device{}();
  }
  if (!o.shard.empty()) parse_shard(o.shard, plan);
  std::vector<SavedScan> resumed;
  if (!o.resume.empty()) {
    if (format != Format::json) {
      throw UsageError(
          "--resume needs --json: only the JSON output records the plan and every probe");
    }
    for (const std::string& path : o.resume) resumed.push_back(read_saved_scan("--resume", path));
    // The order must be the saved one: its seed unless --seed is given (and then must match).
    if (o.seed.empty()) plan.seed = saved_seed(resumed.front());
  }

  // From here on a signal ends the scan with what finished (interrupt.hpp), not the process.
  catch_signals({SIGINT, SIGTERM, SIGHUP});
  Targets targets = build_targets(request);
  plan.groups = targets.groups;
  for (std::size_t g = 0; g < targets.groups.size(); ++g) {
    for (std::size_t h = 0; h < targets.groups[g].hosts.size(); ++h) {
      check_source_family(engine_options.connect, targets.groups[g].hosts[h].family(),
                          targets.labels[g][h]);
    }
  }
  nlohmann::ordered_json plan_record =
      plan_json(request, plan, targets, o.open_only, engine_options.connect.protocol);
  if (!resumed.empty()) plan.skip = resumed_probes(resumed, plan_record, plan);
  warn_unreliable_method(engine_options.connect);
  xml.open();

  ProgressLine progress(!o.no_progress);
  if (o.common.verbose) {
    engine_options.on_info = [](const std::string& line) { print_err("{}\n", line); };
    print_err("scan: {} address(es), {} probe(s) in this shard, order {}, seed {}\n",
              targets.host_count, plan.shard_size(), o.order, plan.seed);
  }

  // A write to stdout that fails stops the scan: nobody would read the rest.
  Engine* running = nullptr;
  unsigned loops = engine_options.threads ? engine_options.threads
                                          : std::max(1u, std::thread::hardware_concurrency());
  ScanOutput output(
      format, o.open_only, targets, loops,
      [](std::string_view text) {
        print_out(text);
        return flush_stdout();
      },
      [&running] {
        if (running) running->stop();
      });
  if (xml.wanted()) output.keep_for_xml();
  // A person at a terminal also gets the state counts per host as bars under the summary.
  const bool bars = format == Format::text && !xml.on_stdout() && pictures_wanted(STDOUT_FILENO);
  if (bars) output.keep_host_counts();
  // Records reach stdout as they come: what the loops hold is written at least this often.
  engine_options.progress_interval = std::chrono::milliseconds(100);
  engine_options.on_progress = [&progress, &output](const EngineProgress& p) {
    output.flush();
    progress.update(p);
  };
  if (format == Format::csv) output.write(kCsvHeader);
  if (format == Format::json) output.write(plan_line(plan_record));
  const std::set<std::string> already_unresolved = resumed_unresolved(resumed);

  // Names that did not resolve: every one of their ports is accounted for, none is scanned.
  for (const Unresolved& u : targets.unresolved) {
    print_err("nbconnect: cannot resolve {} ({}): {} port(s) not scanned\n", quote(u.name),
              u.detail, u.ports.size());
    if (o.open_only || format == Format::text || already_unresolved.count(u.name)) continue;
    std::string text;
    for (std::uint16_t port : u.ports) {
      Outcome outcome;
      outcome.state = State::unresolved;
      outcome.reason = u.reason;
      outcome.phase = Phase::resolve;
      outcome.attempts = 0;
      if (format == Format::json) {
        append_json(text, outcome, u.name, port);
      } else {
        append_csv(text, outcome, u.name, port);
      }
    }
    output.write(text);
  }

  OpenPorts open_ports;
  Engine engine(engine_options);
  running = &engine;
  EngineStats stats;
  {
    StopOnSignal stop_on_signal(engine);
    if (output.failed()) engine.stop();
    stats = engine.run(plan, [&](const Probe& probe, Outcome& outcome) {
      if (checks && outcome.is_open()) open_ports.add(probe);
      output.record(probe, outcome);
    });
  }
  running = nullptr;
  progress.clear();
  output.flush();
  if (output.failed()) return kExitIoError;  // main() says why
  CanaryRun canaries;
  EngineOptions canary_options = engine_options;
  if (checks) {
    // The canaries can prove more than a handshake: they run the scan's check too.
    canary_options.connect.check = to_check_options(o.checks, "localhost", true);
    canary_options.timing.adaptive = false;
    canary_options.connect.timeout = o.common.timeout.empty()
                                         ? std::chrono::nanoseconds(std::chrono::seconds(5))
                                         : engine_options.connect.timeout;
  }
  // Canaries catch a TCP middlebox that accepts every connection; a UDP probe proves an answer.
  if (!stats.interrupted && !o.no_canary && !o.common.udp) {
    canaries =
        probe_canaries(targets, output.open_hosts(), canary_options, plan.seed,
                       [&](const Outcome& outcome, const std::string& label, std::uint16_t port) {
                         // CSV rows keep their fixed columns and hold only the ports asked for; a
                         // JSON record can carry the flag.
                         if (format != Format::json) return;
                         if (o.open_only && outcome.state != State::open) return;
                         std::string text;
                         append_json(text, outcome, label, port, true);
                         output.write(text);
                       });
    output.flush();
    if (output.failed()) return kExitIoError;
  }

  if (format == Format::text && !xml.on_stdout())
    print_table(targets, output.rows(), engine_options.connect.protocol);
  ScanChecks checked;
  if (checks && !stats.interrupted) {
    auto timeout = o.common.timeout.empty() ? std::chrono::nanoseconds(std::chrono::seconds(5))
                                            : engine_options.connect.timeout;
    checked = run_scan_checks(targets, open_ports.take(), engine_options, o.checks, check_window,
                              timeout, format == Format::json, [&](std::string_view text) {
                                if (format == Format::json) {
                                  output.write(text);
                                  output.flush();
                                } else if (!xml.on_stdout()) {
                                  print_out(text);
                                }
                              });
    if (output.failed()) return kExitIoError;
  }
  double seconds = std::chrono::duration<double>(stats.elapsed + canaries.elapsed).count();
  std::size_t hosts_scanned = targets.host_count;  // distinct addresses, not group entries
  std::string summary = fmt::format(
      "{} port{} on {} host{} in {:.2f} s: {} open, {} closed, {} filtered, {} error", stats.probes,
      stats.probes == 1 ? "" : "s", hosts_scanned, hosts_scanned == 1 ? "" : "s", seconds,
      output.count(State::open), output.count(State::closed), output.count(State::filtered),
      output.count(State::error));
  if (o.common.udp) {
    // Silence is neither open nor filtered for sure: counted on its own, as nmap -sU does.
    std::size_t cut = summary.find(" open, ");
    summary.insert(cut + 7, fmt::format("{} open|filtered, ", output.count(State::open_filtered)));
  }
  if (canaries.probes > 0) {
    std::uint64_t open = 0;
    for (const CanaryReport& c : canaries.reports) {
      open += static_cast<std::uint64_t>(c.canaries_open);
    }
    summary += fmt::format("; {} canary probe{} ({} open)", canaries.probes,
                           canaries.probes == 1 ? "" : "s", open);
  }
  if (checks) {
    summary += fmt::format("; {} check{} ({} failed)", checked.checked,
                           checked.checked == 1 ? "" : "s", checked.failed);
  }
  if (plan.skip) {
    summary += fmt::format("; resumed: {} port{} done before", plan.skipped(),
                           plan.skipped() == 1 ? " was" : "s were");
  }
  int signal = caught_signal();
  if (stats.interrupted) {
    std::uint64_t total = plan.shard_size();
    summary += fmt::format(" (interrupted by {}: {} of {} ports not scanned)",
                           signal ? signal_name(signal) : "a stop", total - stats.probes, total);
  }
  summary += '\n';
  for (const CanaryReport& c : canaries.reports) {
    if (c.canaries_open == 0) continue;
    summary += fmt::format(
        "warning: {} answered on {} of {} ports and on {} of {} random canary ports ({}): "
        "likely a SYN proxy or middlebox answering for every port; its open ports prove "
        "no listener\n",
        host_heading(c.label, c.address), c.open, c.scanned, c.canaries_open, c.ports.size(),
        fmt::join(c.ports, ", "));
  }
  if (xml.wanted()) {
    XmlRun run;
    run.args = o.command_line;
    run.version = NBC_VERSION;
    run.start = wall_start;
    run.end = std::chrono::system_clock::now();
    run.elapsed_seconds = seconds;
    run.summary = summary.substr(0, summary.find('\n'));
    if (stats.interrupted) {
      run.interrupted = fmt::format("interrupted by {}: {} of {} ports not scanned",
                                    signal ? signal_name(signal) : "a stop",
                                    plan.shard_size() - stats.probes, plan.shard_size());
    }
    run.open_only = o.open_only;
    run.udp = o.common.udp;
    if (!xml.write(xml_document(run, targets, output.rows(), output.closed_rows(),
                                output.host_counts()))) {
      return kExitIoError;
    }
  }
  // The summary goes with the table; with records (or the XML) on stdout it is a note on stderr.
  if (format == Format::text && !xml.on_stdout()) {
    print_out(summary);
    if (bars) print_out(host_state_bars(targets, output.host_counts(), terminal_glyphs()));
  } else {
    print_err(summary);
  }
  if (o.common.verbose) {
    print_err(
        "scan: {} attempt(s), {} retried after a local error, {} after a self-connect, "
        "backend {}, {} loop(s), window {}\n",
        stats.attempts, stats.local_retries, stats.self_connects, to_string(stats.backend),
        stats.threads, stats.window);
  }
  if (!flush_stdout()) return kExitIoError;
  // Interrupted: the shell's convention, 128 + the signal.
  if (stats.interrupted && signal) return kExitSignal + signal;
  return 0;
}

// The words after `scan`, adjusted for the spellings nmap users type: -iL FILE, -p-.
std::vector<std::string> nmap_spellings(std::vector<std::string> words) {
  std::vector<std::string> out;
  for (std::string& w : words) {
    if (w == "-iL") {
      out.push_back("--iL");
    } else if (w.rfind("-iL", 0) == 0 && w.size() > 3) {
      out.push_back("--iL");
      out.push_back(w.substr(3));
    } else if (w == "-oX") {
      out.push_back("--oX");
    } else if (w.rfind("-oX", 0) == 0 && w.size() > 3) {
      out.push_back("--oX");
      out.push_back(w.substr(3));
    } else if (w == "-p-") {
      out.push_back("-p");
      out.push_back("-");
    } else {
      out.push_back(std::move(w));
    }
  }
  return out;
}

// The scan's own parser and the options it fills: one object, so that the table of options can
// also be handed out alone (option listing, completions, options before `scan`).
struct ScanParser : CLI::App {
  ScanOptions options;
  ScanParser() : CLI::App{"Scan TARGET... on PORTS with many connects at once", "nbconnect scan"} {
    add_scan_options(*this, options);
    refuse_empty_values(*this);
    footer(kScanExamples);
    set_values(get_option("--order"), {"random", "serial"});
    if (const CLI::Option* timing = get_option_no_throw("-T")) {
      set_values(timing, {"0", "1", "2", "3", "4", "5"});
    }
  }
};

}  // namespace

Subcommand setup_scan(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("scan", "Connect to many ports on many hosts");
  // The scan's words are parsed by its own parser below, which knows nmap's -iL and -p-.
  sub->prefix_command();
  sub->set_help_flag();
  return {sub,
          [sub] {
            std::vector<std::string> given = sub->remaining();
            ScanParser parser;
            parser.options.command_line = "nbconnect scan";
            for (const std::string& w : given) parser.options.command_line += " " + w;
            std::vector<std::string> words = nmap_spellings(std::move(given));
            // CLI11 wants the words in reverse order, without the program name.
            std::reverse(words.begin(), words.end());
            try {
              parser.parse(words);
            } catch (const CLI::CallForHelp&) {
              print_out(parser.help());
              return 0;
            } catch (const CLI::ParseError& e) {
              throw UsageError(e.what());
            }
            return run_scan(parser.options);
          },
          std::make_shared<ScanParser>()};
}

}  // namespace nbc::cli
