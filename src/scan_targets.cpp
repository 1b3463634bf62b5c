// Scan target words and port lists: addresses, CIDR blocks, nmap-style IPv4 ranges, host names,
// HOST:PORT; "22,80,8000-8100" and "-".
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>
#include <memory>

#include "nbconnect/scan_targets.hpp"

namespace nbc {
namespace {

std::unexpected<ParseError> fail(std::string_view word, std::string message) {
  return std::unexpected(ParseError{std::string(word), std::move(message)});
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; });
}

// A strict decimal number in [0, max] without leading zeros.
std::optional<unsigned> strict_number(std::string_view s, unsigned max) {
  if (!all_digits(s) || s.size() > 6 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  unsigned value = 0;
  std::from_chars(s.data(), s.data() + s.size(), value);
  if (value > max) return std::nullopt;
  return value;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? s.npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

const in_addr& v4(const Endpoint& e) {
  return reinterpret_cast<const sockaddr_in*>(e.data())->sin_addr;
}
const in6_addr& v6(const Endpoint& e) {
  return reinterpret_cast<const sockaddr_in6*>(e.data())->sin6_addr;
}

Endpoint make_v4(std::uint32_t host_order) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(host_order);
  return Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
}

Endpoint make_v6(const in6_addr& addr, std::uint32_t scope) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_addr = addr;
  sa.sin6_scope_id = scope;
  return Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
}

// Keeps the first `prefix` bits of the address, clearing the rest.
void mask_v6(in6_addr& addr, unsigned prefix) {
  for (unsigned i = 0; i < 16; ++i) {
    unsigned keep = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
    addr.s6_addr[i] &= static_cast<std::uint8_t>(keep ? 0xff00 >> keep : 0);
  }
}

// `enumerated` is false for exclusions, which are only ever asked contains(): their size is free.
Parsed<TargetSpec> parse_cidr(std::string_view word, std::string_view host, std::string_view bits,
                              bool enumerated) {
  auto bad = [&](const std::string& why) {
    return fail(word, "invalid CIDR block " + quote(word) + ": " + why);
  };
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto address = parse_ip(host);
  if (!address) return std::unexpected(address.error());
  bool is_v6 = address->family() == Family::ipv6;
  unsigned width = is_v6 ? 128 : 32;
  auto prefix = strict_number(bits, width);
  if (!prefix) {
    return bad("the prefix length " + quote(bits) + " must be a number 0-" + std::to_string(width));
  }
  unsigned host_bits = width - *prefix;
  if (enumerated && (host_bits > 62 || (std::uint64_t{1} << host_bits) > kMaxTargetAddresses)) {
    return bad("too large: at most " + std::to_string(kMaxTargetAddresses) +
               " addresses in one block (/16 for IPv4, /112 for IPv6)");
  }
  TargetSpec spec;
  spec.kind = TargetSpec::cidr;
  spec.word = std::string(word);
  spec.host = std::string(word);
  spec.prefix = *prefix;
  if (is_v6) {
    in6_addr a = v6(*address);
    mask_v6(a, *prefix);
    spec.base = make_v6(a, address->scope_id());
  } else {
    std::uint32_t a = ntohl(v4(*address).s_addr);
    std::uint32_t mask = *prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - *prefix);
    spec.base = make_v4(a & mask);
  }
  return spec;
}

// An nmap-style IPv4 range: each of the four parts is "*", or a comma list of N, N-M, -M, N-, -.
Parsed<TargetSpec> parse_range(std::string_view word, std::string_view host, bool enumerated) {
  auto parts = split(host, '.');
  auto bad = [&](const std::string& why) {
    return fail(word, "invalid address range " + quote(word) + ": " + why);
  };
  if (parts.size() != 4) return bad("an IPv4 range has four parts separated by '.'");
  TargetSpec spec;
  spec.kind = TargetSpec::range;
  spec.word = std::string(word);
  spec.host = std::string(host);
  std::uint64_t count = 1;
  for (std::string_view part : parts) {
    std::vector<bool> allowed(256, false);
    if (part == "*") {
      allowed.assign(256, true);
    } else {
      for (std::string_view item : split(part, ',')) {
        if (item.empty()) return bad("empty item in " + quote(part));
        std::size_t dash = item.find('-');
        unsigned lo, hi;
        if (dash == std::string_view::npos) {
          auto n = strict_number(item, 255);
          if (!n) return bad(quote(item) + " is not a number 0-255");
          lo = hi = *n;
        } else {
          std::string_view a = item.substr(0, dash), b = item.substr(dash + 1);
          auto n = a.empty() ? std::optional<unsigned>(0) : strict_number(a, 255);
          auto m = b.empty() ? std::optional<unsigned>(255) : strict_number(b, 255);
          if (!n || !m) return bad(quote(item) + " is not a range of numbers 0-255");
          if (*n > *m) return bad(quote(item) + " runs backwards");
          lo = *n;
          hi = *m;
        }
        for (unsigned v = lo; v <= hi; ++v) allowed[v] = true;
      }
    }
    count *= static_cast<std::uint64_t>(std::ranges::count(allowed, true));
    spec.octets.push_back(std::move(allowed));
  }
  if (enumerated && count > kMaxTargetAddresses) {
    return bad("too large: " + std::to_string(count) + " addresses, at most " +
               std::to_string(kMaxTargetAddresses));
  }
  return spec;
}

// The host part alone (no port).
Parsed<TargetSpec> parse_host_spec(std::string_view word, std::string_view host, bool enumerated) {
  if (host.empty()) return fail(word, "invalid target " + quote(word) + ": empty host");
  if (std::size_t slash = host.rfind('/'); slash != std::string_view::npos) {
    return parse_cidr(word, host.substr(0, slash), host.substr(slash + 1), enumerated);
  }
  const bool range_chars = std::ranges::all_of(host, [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ',' || c == '*';
  });
  if (range_chars && host.find_first_of("-,*") != std::string_view::npos) {
    return parse_range(word, host, enumerated);
  }
  auto parsed = parse_host(host);
  if (!parsed) return std::unexpected(parsed.error());
  TargetSpec spec;
  spec.word = std::string(word);
  spec.host = parsed->host;
  if (parsed->literal) {
    spec.kind = TargetSpec::address;
    spec.base = *parsed->literal;
    spec.base.set_port(0);
  } else {
    spec.kind = TargetSpec::name;
  }
  return spec;
}

}  // namespace

Parsed<std::vector<std::uint16_t>> parse_port_list(std::string_view text) {
  auto bad = [&](std::string_view item, const std::string& why) {
    return fail(item, "invalid port list " + quote(text) + ": " + why);
  };
  if (text.empty()) return bad(text, "empty (write e.g. 22,80,8000-8100 or -)");
  // 65,536 bits as 1,024 words: a range sets whole words at once, so "-,-,-,..." costs a
  // thousand word writes per item, not 65,535 bit writes.
  auto seen = std::make_unique<std::array<std::uint64_t, 1024>>();
  auto set_range = [&](unsigned lo, unsigned hi) {  // lo <= hi, both in 0-65535
    unsigned first = lo / 64, last = hi / 64;
    std::uint64_t lo_mask = ~std::uint64_t{0} << (lo % 64);
    std::uint64_t hi_mask = ~std::uint64_t{0} >> (63 - hi % 64);
    if (first == last) {
      (*seen)[first] |= lo_mask & hi_mask;
      return;
    }
    (*seen)[first] |= lo_mask;
    for (unsigned w = first + 1; w < last; ++w) (*seen)[w] = ~std::uint64_t{0};
    (*seen)[last] |= hi_mask;
  };
  for (std::string_view item : split(text, ',')) {
    if (item.empty()) return bad(item, "empty item (two commas, or a comma at an end)");
    std::size_t dash = item.find('-');
    unsigned lo, hi;
    auto port = [&](std::string_view s) -> std::optional<unsigned> {
      auto p = parse_port(s);
      if (!p) return std::nullopt;
      return *p;
    };
    if (dash == std::string_view::npos) {
      auto p = port(item);
      if (!p) return bad(item, quote(item) + " is not a port 1-65535");
      lo = hi = *p;
    } else {
      std::string_view a = item.substr(0, dash), b = item.substr(dash + 1);
      auto n = a.empty() ? std::optional<unsigned>(1) : port(a);
      auto m = b.empty() ? std::optional<unsigned>(65535) : port(b);
      if (!n || !m) return bad(item, quote(item) + " is not a range of ports 1-65535");
      if (*n > *m) return bad(item, quote(item) + " runs backwards");
      lo = *n;
      hi = *m;
    }
    set_range(lo, hi);
  }
  std::size_t count = 0;
  for (std::uint64_t w : *seen) count += static_cast<std::size_t>(std::popcount(w));
  std::vector<std::uint16_t> ports;
  ports.reserve(count);
  for (unsigned w = 0; w < seen->size(); ++w) {
    for (std::uint64_t bits = (*seen)[w]; bits != 0; bits &= bits - 1) {
      ports.push_back(static_cast<std::uint16_t>(w * 64 + std::countr_zero(bits)));
    }
  }
  return ports;
}

namespace {

Parsed<TargetSpec> parse_spec(std::string_view word, bool enumerated) {
  if (word.empty()) return fail(word, "invalid target '': empty");
  if (is_unix_target(word)) {
    return fail(word, "invalid target " + quote(word) +
                          ": a UNIX socket has no ports to scan (check, wait and ping take it)");
  }
  if (word.front() == '[') {
    // [IPV6], [IPV6]:PORT, [IPV6/PREFIX]
    std::size_t close = word.find(']');
    if (close == std::string_view::npos) {
      return fail(word, "invalid target " + quote(word) + ": missing ']'");
    }
    std::string_view inner = word.substr(1, close - 1);
    std::string_view rest = word.substr(close + 1);
    std::optional<std::uint16_t> port;
    if (!rest.empty()) {
      if (rest.front() != ':' || rest.size() == 1) {
        return fail(word, "invalid target " + quote(word) + ": expected ':' and a port after ']'");
      }
      auto p = parse_port(rest.substr(1));
      if (!p) return std::unexpected(p.error());
      port = *p;
    }
    if (inner.find(':') == std::string_view::npos) {
      return fail(word, "invalid target " + quote(word) + ": brackets are only for IPv6");
    }
    auto spec = parse_host_spec(word, inner, enumerated);
    if (spec) spec->port = port;
    return spec;
  }
  auto colons = std::ranges::count(word, ':');
  if (colons == 1) {
    std::size_t colon = word.find(':');
    auto p = parse_port(word.substr(colon + 1));
    if (!p) return std::unexpected(p.error());
    auto spec = parse_host_spec(word, word.substr(0, colon), enumerated);
    if (spec) spec->port = *p;
    return spec;
  }
  if (colons > 1) {
    // An unbracketed IPv6 literal (or block) never carries a port.
    std::string_view host = word.substr(0, word.find('/'));
    if (!parse_ipv6(host)) {
      auto hp = parse_host_port(word);  // for its explanation of the mistake
      if (!hp) return std::unexpected(hp.error());
    }
  }
  return parse_host_spec(word, word, enumerated);
}

}  // namespace

Parsed<TargetSpec> parse_target_spec(std::string_view word) {
  return parse_spec(word, true);
}

Parsed<TargetSpec> parse_exclude_spec(std::string_view word) {
  return parse_spec(word, false);
}

std::uint64_t TargetSpec::count() const {
  switch (kind) {
    case address:
      return 1;
    case name:
      return 0;
    case cidr: {
      unsigned host_bits = (base.family() == Family::ipv6 ? 128 : 32) - prefix;
      return host_bits >= 64 ? ~std::uint64_t{0} : std::uint64_t{1} << host_bits;  // saturates
    }
    case range: {
      std::uint64_t n = 1;
      for (const auto& o : octets) n *= static_cast<std::uint64_t>(std::ranges::count(o, true));
      return n;
    }
  }
  return 0;
}

void TargetSpec::for_each(const std::function<void(const Endpoint&)>& f) const {
  switch (kind) {
    case name:
      return;
    case address:
      f(base);
      return;
    case cidr: {
      std::uint64_t n = count();
      if (base.family() == Family::ipv4) {
        std::uint32_t first = ntohl(v4(base).s_addr);
        for (std::uint64_t i = 0; i < n; ++i) f(make_v4(first + static_cast<std::uint32_t>(i)));
      } else {
        in6_addr a = v6(base);
        for (std::uint64_t i = 0; i < n; ++i) {
          in6_addr x = a;
          // At most 16 host bits: they live in the last two bytes.
          x.s6_addr[14] = static_cast<std::uint8_t>(a.s6_addr[14] | (i >> 8));
          x.s6_addr[15] = static_cast<std::uint8_t>(a.s6_addr[15] | (i & 0xff));
          f(make_v6(x, base.scope_id()));
        }
      }
      return;
    }
    case range: {
      for (unsigned a = 0; a < 256; ++a) {
        if (!octets[0][a]) continue;
        for (unsigned b = 0; b < 256; ++b) {
          if (!octets[1][b]) continue;
          for (unsigned c = 0; c < 256; ++c) {
            if (!octets[2][c]) continue;
            for (unsigned d = 0; d < 256; ++d) {
              if (octets[3][d]) f(make_v4((a << 24) | (b << 16) | (c << 8) | d));
            }
          }
        }
      }
      return;
    }
  }
}

bool TargetSpec::contains(const Endpoint& e) const {
  switch (kind) {
    case name:
      return false;
    case address: {
      Endpoint x = e;
      x.set_port(0);
      return x == base;
    }
    case cidr: {
      if (e.family() != base.family()) return false;
      if (e.family() == Family::ipv4) {
        std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
        return (ntohl(v4(e).s_addr) & mask) == ntohl(v4(base).s_addr);
      }
      in6_addr a = v6(e);
      mask_v6(a, prefix);
      return std::memcmp(&a, &v6(base), sizeof a) == 0;
    }
    case range: {
      if (e.family() != Family::ipv4) return false;
      std::uint32_t a = ntohl(v4(e).s_addr);
      for (int i = 0; i < 4; ++i) {
        if (!octets[i][(a >> (24 - 8 * i)) & 0xff]) return false;
      }
      return true;
    }
  }
  return false;
}

}  // namespace nbc
