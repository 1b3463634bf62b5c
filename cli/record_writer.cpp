// Outcome records as JSON lines and CSV rows (record_writer.hpp).
#include "record_writer.hpp"

#include <netinet/in.h>

#include <fmt/format.h>

#include <iterator>

namespace nbc::cli {
namespace {

// The numeric address: IPv4 written here (inet_ntop's sprintf was a tenth of a scan's JSON
// cost), IPv6 by Endpoint::address() (with its scope name, which may hold any byte).
void append_address(std::string& out, const Endpoint& peer, bool json) {
  if (peer.family() != Family::ipv4) {
    if (json) {
      append_json_string(out, peer.address());
    } else {
      append_csv_field(out, peer.address());
    }
    return;
  }
  const auto* sin = reinterpret_cast<const sockaddr_in*>(peer.data());
  const auto* b = reinterpret_cast<const unsigned char*>(&sin->sin_addr.s_addr);
  if (json) out += '"';
  for (int i = 0; i < 4; ++i) {
    if (i > 0) out += '.';
    out += fmt::format_int(b[i]).c_str();
  }
  if (json) out += '"';
}

}  // namespace

void outcome_fields(JsonObject& j, const Outcome& o, std::optional<std::string_view> target,
                    std::uint16_t port, Method method) {
  if (target) j.string("target", *target);
  if (o.peer.empty()) {
    j.null("address").number("port", port).null("family");
  } else if (o.peer.family() == Family::unix_domain) {
    // A UNIX-domain socket has a path (or an @abstract name) and no port.
    j.string("address", o.peer.address()).null("port").string("family", "unix");
  } else {
    append_address(j.begin("address"), o.peer, true);
    j.number("port", o.peer.port()).string("family", to_string(o.peer.family()));
  }
  j.string("protocol", to_string(o.protocol))
      .string("state", to_string(o.state))
      .string("reason", o.reason_name())
      .string_or_null("errno", errno_name(o.error))
      .string("phase", to_string(o.phase))
      // Three decimals, like the text, without binary floating-point noise in the output.
      .decimal3("rtt_ms", to_ms(o.rtt))
      .number("attempts", o.attempts)
      // How the answer was read: a reader of the record can see a zero-read result, which is
      // unreliable (docs/outcomes.md), without knowing the command line.
      .string("method", to_string(method));
  if (!o.detail.empty()) j.string("detail", o.detail);
  if (!o.proxy.empty()) j.string("proxy", o.proxy);  // never the credentials
  if (o.check) check_fields(j, *o.check);
}

void dial_fields(JsonObject& j, const DialResult& r, std::string_view target, std::uint16_t port,
                 Method method) {
  outcome_fields(j, r.outcome, target, port, method);
  if (r.tried.size() <= 1) return;
  std::string& out = j.begin("tried");
  out += '[';
  for (std::size_t i = 0; i < r.tried.size(); ++i) {
    if (i > 0) out += ',';
    JsonObject t(out);
    outcome_fields(t, r.tried[i], std::nullopt, port, method);
    t.close();
  }
  out += ']';
}

void append_json_record(std::string& out, const Outcome& o, std::string_view target,
                        std::uint16_t port, Method method, bool canary) {
  JsonObject j(out);
  outcome_fields(j, o, target, port, method);
  if (canary) j.boolean("canary", true);
  j.close();
  out += '\n';
}

void append_dial_record(std::string& out, const DialResult& r, std::string_view target,
                        std::uint16_t port, Method method) {
  JsonObject j(out);
  dial_fields(j, r, target, port, method);
  j.close();
  out += '\n';
}

void append_csv_record(std::string& out, const Outcome& o, std::string_view target,
                       std::uint16_t port) {
  append_csv_field(out, target);
  out += ',';
  if (!o.peer.empty()) append_address(out, o.peer, false);
  out += ',';
  if (o.peer.family() != Family::unix_domain) out += fmt::format_int(port).c_str();
  out += ',';
  if (!o.peer.empty()) out += to_string(o.peer.family());
  // "protocol" came after the first ten columns: it is last, so they keep their places.
  fmt::format_to(std::back_inserter(out), ",{},{},{},{},{:.3f},{},{}\n", to_string(o.state),
                 o.reason_name(), errno_name(o.error), to_string(o.phase), to_ms(o.rtt), o.attempts,
                 to_string(o.protocol));
}

void check_fields(JsonObject& j, const CheckReport& r) {
  std::string& out = j.begin("check");
  JsonObject c(out);
  c.string("kind", to_string(r.kind))
      .boolean("ok", r.ok)
      .string_or_null("reason", r.reason_name())
      .string_or_null("detail", r.detail)
      .decimal3("elapsed_ms", to_ms(r.elapsed))
      .number("bytes_read", r.bytes_read);
  if (r.http_status != 0) c.number("http_status", r.http_status);
  if (r.tls) {
    std::string& t = c.begin("tls");
    JsonObject tls(t);
    tls.string("version", r.tls->version)
        .string("cipher", r.tls->cipher)
        .string_or_null("alpn", r.tls->alpn)
        .string("subject", r.tls->subject)
        .string("issuer", r.tls->issuer);
    std::string& sans = tls.begin("sans");
    sans += '[';
    for (std::size_t i = 0; i < r.tls->sans.size(); ++i) {
      if (i > 0) sans += ',';
      append_json_string(sans, r.tls->sans[i]);
    }
    sans += ']';
    if (r.tls->days_left) {
      tls.number("days_left", *r.tls->days_left);
    } else {
      tls.null("days_left");
    }
    tls.boolean("verified", r.tls->verified);
    tls.close();
  }
  c.close();
}

}  // namespace nbc::cli
