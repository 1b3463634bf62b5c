// The options and helpers every subcommand shares (common.hpp).
#include "common.hpp"

#include "output.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <cstdio>

namespace nbc::cli {

void add_common_options(CLI::App& app, CommonOptions& o, const std::string& timeout_help) {
  app.add_option("-t,--timeout", o.timeout, timeout_help)->type_name("DUR");
  auto* v4 = app.add_flag("-4", o.ipv4, "Use IPv4 addresses only");
  auto* v6 = app.add_flag("-6", o.ipv6, "Use IPv6 addresses only");
  v4->excludes(v6);
  app.add_option("--source", o.source, "Bind to this address (and port) before connecting")
      ->type_name("ADDR[:PORT]");
  app.add_option("--method", o.method,
                 "How the result is read: so-error (default), getpeername, reconnect, zero-read")
      ->type_name("METHOD");
  app.add_option("--backend", o.backend, "Poller: epoll (default), poll, select, uring")
      ->type_name("NAME");
  app.add_flag("-v,--verbose", o.verbose, "Trace every system call and its result on stderr");
  app.add_flag("--json", o.json, "One JSON object per line on stdout");
}

std::chrono::nanoseconds duration_option(const std::string& name, const std::string& text) {
  auto parsed = parse_duration(text);
  if (!parsed) throw UsageError(name + ": " + parsed.error().message);
  return *parsed;
}

namespace {

Endpoint parse_source(const std::string& text) {
  // ADDR, ADDR:PORT, [V6] or [V6]:PORT. An unbracketed IPv6 literal is an address alone.
  if (text.empty()) throw UsageError("invalid source address '': empty");
  bool has_port = text.front() == '['
                      ? text.find("]:") != std::string::npos
                      : text.find(':') == text.rfind(':') && text.find(':') != std::string::npos;
  if (has_port) {
    auto hp = parse_host_port(text);
    if (!hp) throw UsageError("--source: " + hp.error().message);
    if (!hp->literal)
      throw UsageError("invalid source address " + quote(text) + ": not an IP address");
    return *hp->literal;
  }
  std::string addr = text;
  if (addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
  auto ep = parse_ip(addr);
  if (!ep) throw UsageError("--source: " + ep.error().message);
  return *ep;
}

}  // namespace

ConnectOptions to_connect_options(const CommonOptions& o,
                                  std::chrono::nanoseconds default_timeout) {
  ConnectOptions c;
  c.timeout = o.timeout.empty() ? default_timeout : duration_option("--timeout", o.timeout);
  auto method = parse_method(o.method);
  if (!method) {
    throw UsageError("invalid method " + quote(o.method) +
                     ": use so-error, getpeername, reconnect or zero-read");
  }
  c.method = *method;
  auto backend = parse_backend(o.backend);
  if (!backend) {
    throw UsageError("invalid backend " + quote(o.backend) + ": use epoll, poll, select or uring");
  }
  if (!backend_available(*backend)) {
    throw UsageError("backend " + quote(o.backend) + " is not available on this system");
  }
  c.backend = *backend;
  if (!o.source.empty()) {
    c.source = parse_source(o.source);
    if ((o.ipv4 && c.source->family() != Family::ipv4) ||
        (o.ipv6 && c.source->family() != Family::ipv6)) {
      throw UsageError("source address " + quote(o.source) + " does not match -4/-6");
    }
  }
  c.linger_zero = true;  // the CLI's connects are probes
  if (o.verbose) c.trace = stderr_tracer();
  return c;
}

void check_family(const HostPort& target, const CommonOptions& o) {
  if (!target.literal) return;
  Family f = target.literal->family();
  if (o.ipv4 && f != Family::ipv4) {
    throw UsageError("address " + quote(target.host) + " is not IPv4, but -4 was given");
  }
  if (o.ipv6 && f != Family::ipv6) {
    throw UsageError("address " + quote(target.host) + " is not IPv6, but -6 was given");
  }
}

Tracer stderr_tracer() {
  // The line and its newline in one write: lines from several loops never interleave.
  return [](std::string_view line) {
    std::string whole;
    whole.reserve(line.size() + 1);
    whole.append(line);
    whole += '\n';
    print_err(whole);
  };
}

// A whole number in [min, max] given to option `name`.
std::uint64_t number_option(const std::string& name, const std::string& text, std::uint64_t min,
                            std::uint64_t max) {
  auto bad = [&] {
    return UsageError(
        fmt::format("{}: invalid number {}: must be {}-{}", name, quote(text), min, max));
  };
  if (text.empty() || text.size() > 20 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw bad();
  }
  std::uint64_t value = 0;
  for (char c : text) {
    if (value > (~std::uint64_t{0} - 9) / 10) throw bad();
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value < min || value > max) throw bad();
  return value;
}

}  // namespace nbc::cli
