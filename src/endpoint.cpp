// Strict parsing and formatting of addresses, ports and targets (durations: duration.cpp).
//
// Every parser reports bad input as a ParseError whose message is one line naming the bad word;
// nothing here throws on bad input (std::from_chars, never stoi/stod).
#include "nbconnect/endpoint.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace nbc {
namespace {

using std::string_view_literals::operator""sv;

// Long hostile words are cut in messages so that a diagnostic stays readable.
constexpr std::size_t kMaxQuoted = 200;

std::unexpected<ParseError> fail(std::string_view word, std::string message) {
  return std::unexpected(ParseError{std::string(word), std::move(message)});
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, is_digit);
}
bool has_space(std::string_view s) {
  return std::ranges::any_of(s, is_space);
}

// "0x", "0x7f", "0XFF": what inet_aton would read as a hexadecimal part.
bool is_hex_part(std::string_view s) {
  return s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
         std::all_of(s.begin() + 2, s.end(), is_hex_digit);
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(sep, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

// Host name labels must not be mistaken for a malformed address: inet_aton and getaddrinfo would
// read "127.1", "10.0.0.010" or "0x7f.1" as addresses, so such words are refused as names.
bool looks_numeric(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty()) return false;
  const auto labels = split(text, '.');
  // "Every label all digits" implies "the last label all digits", so checking the last suffices.
  if (all_digits(labels.back())) return true;
  return std::ranges::any_of(labels, is_hex_part);
}

// Why text is not a syntactically valid host name, or nullopt when it is one.
std::optional<std::string> host_name_problem(std::string_view text) {
  if (text.empty()) return "empty";
  std::string_view name = text;
  if (name.back() == '.') name.remove_suffix(1);  // A single trailing dot: a fully qualified name.
  if (name.empty()) return "no label before the '.'";
  for (std::string_view label : split(name, '.')) {
    if (label.empty()) return "empty label (leading or doubled '.')";
    for (char c : label) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        return "non-ASCII characters are not allowed in a host name (use the xn-- form)";
      }
      if (!is_alnum(c) && c != '-' && c != '_') {
        return "character " + quote(std::string_view(&c, 1)) + " is not allowed in a host name";
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      return "label " + quote(label) + " starts or ends with '-'";
    }
    if (label.size() > 63) return "label " + quote(label) + " is longer than 63 characters";
  }
  if (name.size() > 253) return "longer than 253 characters";
  return std::nullopt;
}

const sockaddr_in* as_v4(const sockaddr_storage& s) {
  return reinterpret_cast<const sockaddr_in*>(&s);
}
const sockaddr_in6* as_v6(const sockaddr_storage& s) {
  return reinterpret_cast<const sockaddr_in6*>(&s);
}

}  // namespace

std::string quote(std::string_view word) {
  std::size_t n = word.size();
  bool cut = false;
  if (n > kMaxQuoted) {
    n = kMaxQuoted;
    // Do not split a UTF-8 sequence.
    while (n > 0 && (static_cast<unsigned char>(word[n]) & 0xC0) == 0x80) --n;
    cut = true;
  }
  std::string out = "'";
  for (char c : word.substr(0, n)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  if (cut) out += "...";
  out += '\'';
  return out;
}

std::string_view to_string(Family family) {
  switch (family) {
    case Family::ipv4:
      return "ipv4";
    case Family::ipv6:
      return "ipv6";
    case Family::unix_domain:
      return "unix";
    case Family::unspec:
      break;
  }
  return "unspec";
}

// ---------------------------------------------------------------------------------------------
// Endpoint

Endpoint Endpoint::from_sockaddr(const sockaddr* addr, socklen_t len) {
  Endpoint ep;
  if (addr == nullptr || len < static_cast<socklen_t>(sizeof(sa_family_t))) return ep;
  sa_family_t family = 0;
  std::memcpy(&family, reinterpret_cast<const char*>(addr) + offsetof(sockaddr, sa_family),
              sizeof family);
  socklen_t need = 0;
  if (family == AF_INET) need = sizeof(sockaddr_in);
  if (family == AF_INET6) need = sizeof(sockaddr_in6);
  if (family == AF_UNIX) {
    // A UNIX address is as long as its name: the family alone for an unnamed socket.
    need = std::min<socklen_t>(len, sizeof(sockaddr_un));
  }
  // Other families, and addresses too short to hold their family's fields, give an empty endpoint.
  if (need == 0 || len < need) return ep;
  std::memcpy(&ep.storage_, addr, need);
  ep.len_ = need;
  return ep;
}

Family Endpoint::family() const {
  if (empty()) return Family::unspec;
  if (storage_.ss_family == AF_INET) return Family::ipv4;
  if (storage_.ss_family == AF_INET6) return Family::ipv6;
  if (storage_.ss_family == AF_UNIX) return Family::unix_domain;
  return Family::unspec;
}

std::uint16_t Endpoint::port() const {
  switch (family()) {
    case Family::ipv4:
      return ntohs(as_v4(storage_)->sin_port);
    case Family::ipv6:
      return ntohs(as_v6(storage_)->sin6_port);
    case Family::unix_domain:
    case Family::unspec:
      break;
  }
  return 0;
}

void Endpoint::set_port(std::uint16_t port) {
  switch (family()) {
    case Family::ipv4:
      reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
      break;
    case Family::ipv6:
      reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
      break;
    case Family::unix_domain:
    case Family::unspec:
      break;
  }
}

std::uint32_t Endpoint::scope_id() const {
  return family() == Family::ipv6 ? as_v6(storage_)->sin6_scope_id : 0;
}

bool Endpoint::is_v4_mapped() const {
  return family() == Family::ipv6 && IN6_IS_ADDR_V4MAPPED(&as_v6(storage_)->sin6_addr);
}

bool Endpoint::is_loopback() const {
  switch (family()) {
    case Family::ipv4: {
      const auto* bytes = reinterpret_cast<const unsigned char*>(&as_v4(storage_)->sin_addr);
      return bytes[0] == 127;
    }
    case Family::ipv6: {
      const in6_addr& addr = as_v6(storage_)->sin6_addr;
      if (IN6_IS_ADDR_LOOPBACK(&addr)) return true;
      return IN6_IS_ADDR_V4MAPPED(&addr) && addr.s6_addr[12] == 127;
    }
    case Family::unix_domain:
    case Family::unspec:
      break;
  }
  return false;
}

std::string Endpoint::address() const {
  char buf[INET6_ADDRSTRLEN] = {};
  switch (family()) {
    case Family::ipv4:
      if (inet_ntop(AF_INET, &as_v4(storage_)->sin_addr, buf, sizeof buf) == nullptr) return {};
      return buf;
    case Family::ipv6: {
      if (inet_ntop(AF_INET6, &as_v6(storage_)->sin6_addr, buf, sizeof buf) == nullptr) return {};
      std::string out = buf;
      const std::uint32_t scope = scope_id();
      if (scope != 0) {
        char name[IF_NAMESIZE] = {};
        // An interface named only by digits would read back as a numeric scope: use the number.
        if (if_indextoname(scope, name) != nullptr && !all_digits(name)) {
          out += '%';
          out += name;
        } else {
          out += '%';
          out += std::to_string(scope);
        }
      }
      return out;
    }
    case Family::unix_domain: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(&storage_);
      const std::size_t n = len_ - offsetof(sockaddr_un, sun_path);
      if (n == 0) return {};
      // An abstract name starts with a NUL and is exactly as long as the address says.
      if (un->sun_path[0] == '\0') return "@" + std::string(un->sun_path + 1, n - 1);
      return std::string(un->sun_path, strnlen(un->sun_path, n));
    }
    case Family::unspec:
      break;
  }
  return {};
}

std::string Endpoint::to_string() const {
  switch (family()) {
    case Family::ipv4:
      return address() + ':' + std::to_string(port());
    case Family::ipv6:
      return '[' + address() + "]:" + std::to_string(port());
    case Family::unix_domain:
      return "unix:" + address();
    case Family::unspec:
      break;
  }
  return {};
}

bool operator==(const Endpoint& a, const Endpoint& b) {
  if (a.empty() || b.empty()) return a.empty() && b.empty();
  if (a.family() != b.family() || a.port() != b.port()) return false;
  if (a.family() == Family::unix_domain) {
    return a.len_ == b.len_ && std::memcmp(&a.storage_, &b.storage_, a.len_) == 0;
  }
  if (a.family() == Family::ipv4) {
    return std::memcmp(&as_v4(a.storage_)->sin_addr, &as_v4(b.storage_)->sin_addr,
                       sizeof(in_addr)) == 0;
  }
  return std::memcmp(&as_v6(a.storage_)->sin6_addr, &as_v6(b.storage_)->sin6_addr,
                     sizeof(in6_addr)) == 0 &&
         a.scope_id() == b.scope_id();
}

// ---------------------------------------------------------------------------------------------
// Addresses and ports

Parsed<Endpoint> parse_ipv4(std::string_view text, std::uint16_t port) {
  auto bad = [&](const std::string& reason) {
    return fail(text, "invalid IPv4 address " + quote(text) + ": " + reason);
  };
  if (text.empty()) return bad("empty");
  if (has_space(text)) return bad("contains whitespace");
  const auto parts = split(text, '.');
  for (std::string_view part : parts) {
    if (is_hex_part(part)) return bad("hexadecimal part " + quote(part) + " is not accepted");
    if (!part.empty() && (part[0] == '+' || part[0] == '-')) {
      return bad("sign in part " + quote(part) + " is not accepted");
    }
    if (!part.empty() && !all_digits(part)) {
      return bad("part " + quote(part) + " is not a decimal number");
    }
  }
  if (text.front() == '.') return bad("leading '.'");
  if (text.back() == '.') return bad("trailing '.'");
  if (std::ranges::any_of(parts, [](std::string_view p) { return p.empty(); })) {
    return bad("empty part between dots");
  }
  if (parts.size() != 4) {
    std::string reason = "expected 4 parts, found " + std::to_string(parts.size());
    if (parts.size() < 4) reason += " (short forms like '127.1' are not accepted)";
    return bad(reason);
  }
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  auto* bytes = reinterpret_cast<unsigned char*>(&sin.sin_addr);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string_view part = parts[i];
    if (part.size() > 1 && part[0] == '0') return bad("leading zero in part " + quote(part));
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (ec != std::errc{} || end != part.data() + part.size() || value > 255) {
      return bad("part " + quote(part) + " is greater than 255");
    }
    bytes[i] = static_cast<unsigned char>(value);
  }
  return Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
}

Parsed<Endpoint> parse_ipv6(std::string_view text, std::uint16_t port) {
  auto bad = [&](const std::string& reason) {
    return fail(text, "invalid IPv6 address " + quote(text) + ": " + reason);
  };
  if (text.empty()) return bad("empty");
  if (text.find_first_of("[]") != std::string_view::npos) {
    return bad("brackets are not part of the address");
  }
  if (has_space(text)) return bad("contains whitespace");
  // inet_pton and if_nametoindex read C strings: an embedded NUL would silently cut the word.
  if (std::ranges::any_of(text, is_control)) return bad("contains a control character");

  const std::size_t percent = text.find('%');
  const std::string_view addr = text.substr(0, percent);
  if (addr.size() >= INET6_ADDRSTRLEN) return bad("too long for an IPv6 address");
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, addr.data(), addr.size());
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  if (inet_pton(AF_INET6, buf, &sin6.sin6_addr) != 1) return bad("not a valid IPv6 address");

  if (percent != std::string_view::npos) {
    const std::string_view scope = text.substr(percent + 1);
    if (scope.empty()) return bad("empty scope after '%'");
    if (all_digits(scope)) {
      std::uint32_t id = 0;
      const auto [end, ec] = std::from_chars(scope.data(), scope.data() + scope.size(), id);
      if (ec != std::errc{} || end != scope.data() + scope.size()) {
        return bad("scope id " + quote(scope) + " is too large");
      }
      sin6.sin6_scope_id = id;
    } else {
      const unsigned index =
          scope.size() < IF_NAMESIZE ? if_nametoindex(std::string(scope).c_str()) : 0;
      if (index == 0) return bad("unknown interface " + quote(scope));
      sin6.sin6_scope_id = index;
    }
  }
  return Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&sin6), sizeof sin6);
}

Parsed<Endpoint> parse_ip(std::string_view text, std::uint16_t port) {
  if (text.find(':') != std::string_view::npos) return parse_ipv6(text, port);
  return parse_ipv4(text, port);
}

Parsed<Endpoint> parse_unix(std::string_view text) {
  auto bad = [&](const std::string& reason) {
    return fail(text, "invalid UNIX socket " + quote(text) + ": " + reason);
  };
  if (!is_unix_target(text)) return bad("expected unix:/PATH or unix:@NAME");
  std::string_view name = text.substr(5);
  const bool abstract = name.starts_with('@');
  if (abstract) name.remove_prefix(1);
  if (name.empty()) return bad(abstract ? "empty abstract name" : "empty path");
  if (name.find('\0') != std::string_view::npos) return bad("contains a NUL byte");
  Endpoint ep;
  auto* un = reinterpret_cast<sockaddr_un*>(ep.data());
  // A path needs its terminating NUL; an abstract name needs the leading one instead.
  constexpr std::size_t kRoom = sizeof un->sun_path - 1;
  if (name.size() > kRoom) {
    return bad(std::to_string(name.size()) + " bytes, longer than the " + std::to_string(kRoom) +
               " that a UNIX socket address holds");
  }
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path + (abstract ? 1 : 0), name.data(), name.size());
  const std::size_t len = offsetof(sockaddr_un, sun_path) + name.size() + 1;
  return Endpoint::from_sockaddr(ep.data(), static_cast<socklen_t>(len));
}

Parsed<std::uint16_t> parse_port(std::string_view text) {
  auto bad = [&](const std::string& reason) {
    return fail(text, "invalid port " + quote(text) + ": " + reason);
  };
  if (text.empty()) return bad("empty (missing port)");
  if (has_space(text)) return bad("contains whitespace");
  if (text[0] == '+' || text[0] == '-') return bad("sign not allowed");
  if (!all_digits(text)) return bad("not a decimal number");
  if (text.size() > 1 && text[0] == '0') return bad("leading zero");
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 1 || value > 65535) {
    return bad("must be 1-65535");
  }
  return static_cast<std::uint16_t>(value);
}

bool is_host_name(std::string_view text) {
  return !host_name_problem(text).has_value() && !looks_numeric(text);
}

// ---------------------------------------------------------------------------------------------
// Hosts and targets

std::string HostPort::to_string() const {
  if (literal && literal->family() == Family::unix_domain) return literal->to_string();
  if (host.find(':') != std::string::npos) return '[' + host + "]:" + std::to_string(port);
  return host + ':' + std::to_string(port);
}

Parsed<HostPort> parse_host(std::string_view host) {
  auto bad = [&](const std::string& reason) {
    return fail(host, "invalid host " + quote(host) + ": " + reason);
  };
  if (host.empty()) return bad("empty (missing host)");

  if (host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') return bad("missing ']'");
    const std::string_view inner = host.substr(1, host.size() - 2);
    if (inner.empty()) return bad("empty brackets");
    if (inner.find(':') == std::string_view::npos) {
      return bad("brackets are only for IPv6 addresses");
    }
    auto ep = parse_ipv6(inner);
    if (!ep) return std::unexpected(std::move(ep.error()));
    return HostPort{std::string(inner), 0, *ep};
  }

  if (host.find(':') != std::string_view::npos) {
    if (std::ranges::count(host, ':') == 1) {
      return bad("a host name cannot contain ':' and an IPv6 address has at least two");
    }
    auto ep = parse_ipv6(host);
    if (!ep) return std::unexpected(std::move(ep.error()));
    return HostPort{std::string(host), 0, *ep};
  }

  const bool dotted = std::ranges::all_of(host, [](char c) { return is_digit(c) || c == '.'; });
  if (dotted || looks_numeric(host)) {
    auto ep = parse_ipv4(host);
    if (!ep) return std::unexpected(std::move(ep.error()));
    return HostPort{std::string(host), 0, *ep};
  }

  if (auto problem = host_name_problem(host)) return bad(*problem);
  return HostPort{std::string(host), 0, std::nullopt};
}

namespace {

Parsed<HostPort> combine(Parsed<HostPort> host, std::string_view port_text) {
  if (!host) return host;
  auto port = parse_port(port_text);
  if (!port) return std::unexpected(std::move(port.error()));
  host->port = *port;
  if (host->literal) host->literal->set_port(*port);
  return host;
}

}  // namespace

Parsed<HostPort> parse_host_port(std::string_view text) {
  auto bad = [&](const std::string& reason) {
    return fail(text, "invalid target " + quote(text) + ": " + reason);
  };
  if (text.empty()) return bad("empty (write HOST:PORT or [IPV6]:PORT)");
  if (is_unix_target(text)) {
    auto unix_socket = parse_unix(text);
    if (!unix_socket) return std::unexpected(std::move(unix_socket.error()));
    return HostPort{std::string(text), 0, *unix_socket};
  }

  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return bad("missing ']'");
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return bad("missing port (write [IPV6]:PORT)");
    if (rest.front() != ':') return bad("expected ':' and a port after ']'");
    if (rest.size() == 1) return bad("missing port after ':'");
    return combine(parse_host(text.substr(0, close + 1)), rest.substr(1));
  }

  const auto colons = std::ranges::count(text, ':');
  if (colons == 0) return bad("missing port (write HOST:PORT or HOST PORT)");
  if (colons > 1) {
    // An unbracketed IPv6 literal never carries a port: "::1:80" is the address ::1:80 itself.
    const std::size_t last = text.rfind(':');
    const std::string_view head = text.substr(0, last);
    const std::string_view tail = text.substr(last + 1);
    if (all_digits(tail) && parse_ipv6(head)) {
      return bad("an IPv6 address carries a port only in brackets: write [" + std::string(head) +
                 "]:" + std::string(tail));
    }
    if (parse_ipv6(text)) {
      return bad("missing port (an IPv6 address carries a port only in brackets: write [" +
                 std::string(text) + "]:PORT)");
    }
    // An IPv6 address whose zone names no interface: say that, rather than blame the colons.
    for (const std::string_view candidate : {head, text}) {
      const std::size_t percent = candidate.find('%');
      if (percent == std::string_view::npos || !parse_ipv6(candidate.substr(0, percent))) continue;
      if (auto zoned = parse_ipv6(candidate); !zoned) return std::unexpected(zoned.error());
    }
    return bad("too many ':' (an IPv6 address with a port is written [ADDRESS]:PORT)");
  }
  const std::size_t colon = text.find(':');
  if (colon == 0) return bad("missing host before ':'");
  if (colon + 1 == text.size()) return bad("missing port after ':'");
  return combine(parse_host(text.substr(0, colon)), text.substr(colon + 1));
}

Parsed<HostPort> parse_host_and_port(std::string_view host, std::string_view port) {
  if (is_unix_target(host)) {
    return fail(
        port, "unexpected port " + quote(port) + ": a UNIX socket " + quote(host) + " has no port");
  }
  return combine(parse_host(host), port);
}

}  // namespace nbc
