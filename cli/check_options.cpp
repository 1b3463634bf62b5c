// The check options of the command line (check_options.hpp).
#include "check_options.hpp"

#include <fmt/format.h>

#include <string_view>

#include "common.hpp"
#include "output.hpp"

namespace nbc::cli {

void add_check_options(CLI::App& app, CheckWords& w) {
  const char* group = "Checks after connect";
  app.add_flag("--tls", w.tls, "Complete a TLS handshake and verify the certificate")->group(group);
  app.add_option("--sni", w.sni, "Server name sent and verified (default: the host name)")
      ->type_name("NAME")
      ->group(group);
  app.add_option("--alpn", w.alpn, "Protocols offered in TLS, comma-separated (h2,http/1.1)")
      ->type_name("LIST")
      ->group(group);
  app.add_option("--ca", w.ca, "Trust the certificates in FILE (PEM) instead of the system store")
      ->type_name("FILE")
      ->group(group);
  app.add_flag("--insecure", w.insecure, "TLS without verifying the certificate")->group(group);
  app.add_option("--warn-expiry", w.warn_expiry,
                 "Fail when the certificate expires within DAYS days")
      ->type_name("DAYS")
      ->group(group);
  app.add_option("--send", w.send, "Send TEXT (\\r \\n \\t \\xNN escapes) or the bytes of @FILE")
      ->type_name("TEXT")
      ->group(group);
  app.add_option("--expect", w.expect,
                 "Read until the PCRE2 pattern matches (the banner, the answer, the body)")
      ->type_name("REGEX")
      ->group(group);
  app.add_option("--read-bytes", w.read_bytes, "Read at most N bytes per check (default 65536)")
      ->type_name("N")
      ->group(group);
  w.http_option = app.add_option("--http", w.http,
                                 "GET PATH (default /; a path starts with /) and check the status")
                      ->expected(0, 1)
                      ->type_name("[PATH]")
                      ->group(group);
  app.add_option("--http-status", w.http_status,
                 "Accepted HTTP statuses, LOW-HIGH or CODE (200-399)")
      ->type_name("RANGE")
      ->group(group);
}

namespace {

// The word that followed --http and was left a target (leave_http_path_optional), if any.
std::string& word_after_http() {
  static std::string word;
  return word;
}

}  // namespace

void leave_http_path_optional(std::vector<char*>& args) {
  static char http_root[] = "--http=/";
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string_view word = args[i];
    if (word == "--") return;
    if (word != "--http") continue;
    const bool word_follows = i + 1 < args.size() && args[i + 1][0] != '-';
    if (word_follows && args[i + 1][0] == '/') continue;
    args[i] = http_root;
    if (word_follows) word_after_http() = args[i + 1];
  }
}

HostPort parse_one_target(const std::vector<std::string>& words) {
  Parsed<HostPort> parsed = std::unexpected(ParseError{});
  if (words.size() == 1) parsed = parse_host_port(words[0]);
  if (words.size() == 2) parsed = parse_host_and_port(words[0], words[1]);
  // `--http web 8080` may well mean the host `web`; only words that make no target otherwise
  // (`--http health HOST PORT`, `--http health HOST:PORT`) are a path without its slash.
  if (!parsed && !words.empty() && !word_after_http().empty() && words[0] == word_after_http()) {
    throw UsageError("--http: the path must start with /: " + quote(words[0]));
  }
  if (words.empty()) throw UsageError("missing target: give HOST PORT, HOST:PORT or unix:/PATH");
  if (words.size() > 2) {
    throw UsageError("unexpected argument " + quote(words[2]) +
                     ": give HOST PORT, HOST:PORT or unix:/PATH");
  }
  return value_or_usage(std::move(parsed));
}

namespace {

// The bytes of --send: TEXT with C escapes, or @FILE.
std::string send_bytes(const std::string& text) {
  if (!text.empty() && text[0] == '@') {
    std::string path = text.substr(1);
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw UsageError("--send: cannot read " + quote(path));
    std::string data;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && data.size() < (1u << 20)) {
      data.append(buf, n);
    }
    std::fclose(f);
    return data;
  }
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '\\' || i + 1 == text.size()) {
      out += c;
      continue;
    }
    char e = text[++i];
    switch (e) {
      case 'r':
        out += '\r';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case '0':
        out += '\0';
        break;
      case '\\':
        out += '\\';
        break;
      case 'x': {
        auto hex = [](char h) {
          if (h >= '0' && h <= '9') return h - '0';
          if (h >= 'a' && h <= 'f') return h - 'a' + 10;
          if (h >= 'A' && h <= 'F') return h - 'A' + 10;
          return -1;
        };
        int hi = i + 1 < text.size() ? hex(text[i + 1]) : -1;
        int lo = i + 2 < text.size() ? hex(text[i + 2]) : -1;
        if (hi < 0 || lo < 0) throw UsageError("--send: bad escape in " + quote(text));
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        break;
      }
      default:
        throw UsageError("--send: bad escape in " + quote(text));
    }
  }
  return out;
}

}  // namespace

std::optional<CheckOptions> to_check_options(const CheckWords& w, const std::string& host,
                                             bool host_is_name) {
  CheckOptions o;
  o.tls = w.tls || w.insecure || !w.ca.empty() || !w.sni.empty() || !w.alpn.empty() ||
          !w.warn_expiry.empty();
  o.insecure = w.insecure;
  if (!w.ca.empty()) {
    if (std::FILE* f = std::fopen(w.ca.c_str(), "r")) {
      std::fclose(f);
    } else {
      throw UsageError("--ca: cannot read " + quote(w.ca));
    }
    o.ca_file = w.ca;
  }
  o.sni = !w.sni.empty() ? w.sni : host_is_name ? host : std::string();
  if (!w.alpn.empty()) {
    std::size_t start = 0;
    while (start <= w.alpn.size()) {
      std::size_t comma = w.alpn.find(',', start);
      if (comma == std::string::npos) comma = w.alpn.size();
      std::string p = w.alpn.substr(start, comma - start);
      if (p.empty() || p.size() > 255)
        throw UsageError("--alpn: bad protocol list " + quote(w.alpn));
      o.alpn.push_back(p);
      start = comma + 1;
    }
  }
  if (!w.warn_expiry.empty()) {
    o.warn_expiry = static_cast<int>(number_option("--warn-expiry", w.warn_expiry, 0, 36500));
  }
  if (!w.send.empty()) o.send = send_bytes(w.send);
  if (!w.expect.empty()) {
    std::string error = check_pattern_error(w.expect);
    if (!error.empty()) throw UsageError("--expect: bad pattern " + quote(w.expect) + ": " + error);
    o.expect = w.expect;
  }
  bool http = w.http_option && w.http_option->count() > 0;
  if (!w.read_bytes.empty()) {
    o.read_bytes = number_option("--read-bytes", w.read_bytes, 1, 64u << 20);
    // Only --expect and --http read: a bound on nothing is a mistake worth naming.
    if (w.expect.empty() && !http) throw UsageError("--read-bytes needs --expect or --http");
  }
  if (http) {
    std::string path = w.http.empty() ? "/" : w.http;
    if (path[0] != '/') throw UsageError("--http: the path must start with /: " + quote(path));
    for (char c : path) {
      if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
        throw UsageError("--http: a path cannot hold spaces or control bytes: " + quote(path));
      }
    }
    o.http_path = path;
    if (host_is_name) {
      o.http_host = host;
    }
  }
  if (!w.http_status.empty()) {
    if (!http) throw UsageError("--http-status needs --http");
    std::size_t dash = w.http_status.find('-');
    std::string low = w.http_status.substr(0, dash);
    std::string high = dash == std::string::npos ? low : w.http_status.substr(dash + 1);
    o.http_status_min = static_cast<int>(number_option("--http-status", low, 100, 999));
    o.http_status_max = static_cast<int>(number_option("--http-status", high, 100, 999));
    if (o.http_status_min > o.http_status_max) {
      throw UsageError("--http-status: " + quote(w.http_status) + " is an empty range");
    }
  }
  if (!o.any()) return std::nullopt;
  return o;
}

std::string check_text(const CheckReport& r) {
  std::string text = fmt::format(" check {} {}", to_string(r.kind), r.ok ? "ok" : "failed");
  if (!r.ok) {
    text += fmt::format(" ({}{}{})", r.reason_name(), r.detail.empty() ? "" : ": ", r.detail);
  }
  text += " in " + format_ms(r.elapsed);
  std::vector<std::string> facts;
  if (r.http_status != 0) facts.push_back(fmt::format("HTTP {}", r.http_status));
  if (r.tls) {
    facts.push_back(r.tls->version);
    if (!r.tls->alpn.empty()) facts.push_back("ALPN " + r.tls->alpn);
    if (!r.tls->subject.empty()) facts.push_back(r.tls->subject);
    if (r.tls->days_left) facts.push_back(fmt::format("{} days left", *r.tls->days_left));
  }
  if (!facts.empty()) text += " (" + fmt::format("{}", fmt::join(facts, ", ")) + ")";
  return text;
}

int exit_code_with_check(const Outcome& outcome, int connect_code) {
  if (outcome.is_open() && outcome.check && !outcome.check->ok) return kExitCheckFailed;
  return connect_code;
}

}  // namespace nbc::cli
