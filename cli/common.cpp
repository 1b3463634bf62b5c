// The options and helpers every subcommand shares (common.hpp).
#include "common.hpp"

#include <sys/socket.h>
#include <unistd.h>
#include "output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <map>

namespace nbc::cli {

namespace {

std::map<const CLI::Option*, std::vector<std::string>>& option_values() {
  static std::map<const CLI::Option*, std::vector<std::string>> values;
  return values;
}

}  // namespace

void set_values(const CLI::Option* option, std::vector<std::string> values) {
  option_values()[option] = std::move(values);
}

const std::vector<std::string>& values_of(const CLI::Option* option) {
  static const std::vector<std::string> none;
  auto it = option_values().find(option);
  return it == option_values().end() ? none : it->second;
}

void add_common_options(CLI::App& app, CommonOptions& o, const std::string& timeout_help) {
  app.add_option("-t,--timeout", o.timeout, timeout_help)->type_name("DUR");
  auto* v4 = app.add_flag("-4", o.ipv4, "Use IPv4 addresses only");
  auto* v6 = app.add_flag("-6", o.ipv6, "Use IPv6 addresses only");
  v4->excludes(v6);
  app.add_option("--source", o.source, "Bind to this address (and port) before connecting")
      ->type_name("ADDR[:PORT]");
  set_values(app.add_option("--method", o.method,
                            "How the result is read: so-error (default), getpeername, reconnect, "
                            "or zero-read (unreliable: can call a closed or filtered port open; "
                            "for the lab)")
                 ->type_name("METHOD"),
             {"so-error", "getpeername", "reconnect", "zero-read"});
  set_values(app.add_option("--backend", o.backend, "Poller: epoll (default), poll, select, uring")
                 ->type_name("NAME"),
             {"epoll", "poll", "select", "uring"});
  app.add_flag("-v,--verbose", o.verbose, "Trace every system call and its result on stderr");
  app.add_flag("--json", o.json, "One JSON object per line on stdout");
  add_proxy_options(app, o.proxy);
}

void add_udp_options(CLI::App& app, CommonOptions& o) {
  app.add_flag("--udp", o.udp,
               "Probe UDP: send a datagram on a connected socket; a reply is open, ICMP "
               "port-unreachable closed, silence open|filtered");
  app.add_option("--payload", o.payload, "The UDP probe's bytes, in hex or @FILE (default: empty)")
      ->type_name("HEX|@FILE");
}

std::vector<unsigned char> parse_payload(const std::string& text) {
  constexpr std::size_t kMaxDatagram = 65507;
  std::vector<unsigned char> bytes;
  if (text.starts_with('@')) {
    const std::string path = text.substr(1);
    std::FILE* f = path.empty() ? nullptr : std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
      throw UsageError(
          "--payload: cannot read " + quote(path) + ": " +
          (path.empty() ? std::string("no file name after '@'") : std::strerror(errno)));
    }
    bytes.resize(kMaxDatagram + 1);
    std::size_t n = std::fread(bytes.data(), 1, bytes.size(), f);
    bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) throw UsageError("--payload: cannot read " + quote(path));
    if (n > kMaxDatagram) {
      throw UsageError("--payload: " + quote(path) + " holds more than " +
                       std::to_string(kMaxDatagram) + " bytes, the most a UDP datagram carries");
    }
    bytes.resize(n);
    return bytes;
  }
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (text.size() % 2 != 0 || text.size() > 2 * kMaxDatagram ||
      !std::all_of(text.begin(), text.end(), [&](char c) { return nibble(c) >= 0; })) {
    throw UsageError("--payload: invalid payload " + quote(text) +
                     ": write hex digits in pairs (e.g. 0d0a) or @FILE");
  }
  for (std::size_t i = 0; i < text.size(); i += 2) {
    bytes.push_back(static_cast<unsigned char>(nibble(text[i]) * 16 + nibble(text[i + 1])));
  }
  return bytes;
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
    if (!hp->literal || hp->literal->family() == Family::unix_domain)
      throw UsageError("invalid source address " + quote(text) + ": not an IP address");
    return *hp->literal;
  }
  std::string addr = text;
  if (addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
  auto ep = parse_ip(addr);
  if (!ep) throw UsageError("--source: " + ep.error().message);
  return *ep;
}

// The source must be an address of this machine: binding it once here turns a mistake into one
// line and exit 64, instead of every probe failing its bind and being retried as a local shortage.
void check_source_bindable(const Endpoint& source, const std::string& text) {
  Endpoint address = source;
  address.set_port(0);  // the address is what is checked; a busy port is the connect's business
  int fd =
      ::socket(source.family() == Family::ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;  // no socket at all: the connects will say why
  int err = ::bind(fd, address.data(), address.size()) == 0 ? 0 : errno;
  ::close(fd);
  if (err != 0) {
    throw UsageError("--source: cannot bind " + quote(text) + ": " + std::strerror(err) +
                     " (is it an address of this machine?)");
  }
}

Method g_record_method = Method::so_error;

}  // namespace

Method record_method() {
  return g_record_method;
}

void warn_unreliable_method(const ConnectOptions& options) {
  if (options.method != Method::zero_read) return;
  std::fputs(
      "nbconnect: warning: --method zero-read is unreliable: read(fd, &c, 0) returns 0 whether or "
      "not the connect succeeded, so closed and filtered ports can be reported open\n",
      stderr);
}

void check_source_family(const ConnectOptions& options, Family target_family,
                         const std::string& target) {
  if (!options.source || options.source->family() == target_family) return;
  throw UsageError("--source " + quote(options.source->address()) + " is " +
                   std::string(to_string(options.source->family())) + ", but target " +
                   quote(target) + " is " + std::string(to_string(target_family)));
}

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
  g_record_method = c.method;
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
    check_source_bindable(*c.source, o.source);
  }
  if (o.udp) c.protocol = Protocol::udp;
  if (!o.payload.empty()) {
    if (!o.udp) throw UsageError("--payload " + quote(o.payload) + " needs --udp");
    c.udp_payload = parse_payload(o.payload);
  }
  c.linger_zero = true;  // the CLI's connects are probes
  if (o.verbose) c.trace = stderr_tracer();
  c.proxy = proxy_from(o.proxy);
  if (c.proxy && o.udp) {
    throw UsageError("--udp cannot go through " + quote(c.proxy->to_string()) +
                     ": proxies carry TCP connects only");
  }
  return c;
}

void check_family(const HostPort& target, const CommonOptions& o) {
  if (!target.literal) return;
  Family f = target.literal->family();
  if (f == Family::unix_domain) {
    if (o.udp) throw UsageError("--udp does not apply to UNIX socket " + quote(target.host));
    if (!o.source.empty()) {
      throw UsageError("--source does not apply to UNIX socket " + quote(target.host));
    }
    if (o.ipv4 || o.ipv6) {
      throw UsageError(std::string(o.ipv4 ? "-4" : "-6") + " does not apply to UNIX socket " +
                       quote(target.host));
    }
    return;
  }
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

void refuse_empty_values(CLI::App& app) {
  CLI::Validator non_empty(
      [](std::string& value) {
        return value.empty() ? std::string("empty value (leave the option out for its default)")
                             : std::string();
      },
      "");
  for (CLI::Option* option : app.get_options()) {
    if (option->get_type_size() != 0 && !option->get_positional()) option->check(non_empty);
  }
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

// A decimal number in [min, max] given to option `name`: the grammar of durations (.5 yes, 5. no),
// so that every number the CLI reads follows one set of rules.
double decimal_option(const std::string& name, const std::string& text, double min, double max) {
  auto bad = [&] {
    return UsageError(fmt::format("{}: invalid number {}: must be a decimal number from {} to {}",
                                  name, quote(text), min, max));
  };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t point = text.find('.');
  std::string_view whole = std::string_view(text).substr(0, point);
  std::string_view frac =
      point == std::string::npos ? std::string_view() : std::string_view(text).substr(point + 1);
  if (text.empty() || text.size() > 40 || !std::all_of(whole.begin(), whole.end(), digit) ||
      !std::all_of(frac.begin(), frac.end(), digit) || (whole.empty() && frac.empty()) ||
      (point != std::string::npos && frac.empty())) {
    throw bad();
  }
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || !(value >= min && value <= max)) {
    throw bad();
  }
  return value;
}

}  // namespace nbc::cli
