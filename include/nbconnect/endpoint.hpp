// Strict parsing and formatting of addresses, ports, targets and durations.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace nbc {

// A parse failure: the offending word and a one-line explanation that names it.
struct ParseError {
  std::string word;
  std::string message;
};

template <typename T>
using Parsed = std::expected<T, ParseError>;

// Quotes a word for a one-line message: control bytes are escaped so that a hostile word (a
// newline, a NUL) cannot break the line or hide the rest of it, and a long word is cut. Every
// message about bad input, the library's and the CLI's, names the word through it.
std::string quote(std::string_view word);

enum class Family : std::uint8_t { unspec, ipv4, ipv6, unix_domain };
std::string_view to_string(Family family);  // "ipv4", "ipv6", "unix"

// The transport of an attempt. A UNIX-domain target is always a stream ("tcp" here).
enum class Protocol : std::uint8_t {
  tcp,  // a stream connect: TCP, or SOCK_STREAM for a UNIX-domain target
  udp,  // a connected datagram socket that sends a probe and waits for a reply
};
std::string_view to_string(Protocol protocol);  // "tcp", "udp"

// An IPv4 or IPv6 socket address (with port and, for IPv6, scope), or a UNIX-domain one (a path,
// or a name in Linux's abstract namespace; no port).
class Endpoint {
 public:
  Endpoint() = default;
  static Endpoint from_sockaddr(const sockaddr* addr, socklen_t len);

  Family family() const;
  int af() const { return storage_.ss_family; }
  bool empty() const { return len_ == 0; }
  std::uint16_t port() const;
  void set_port(std::uint16_t port);
  std::uint32_t scope_id() const;
  bool is_v4_mapped() const;
  bool is_loopback() const;

  const sockaddr* data() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  sockaddr* data() { return reinterpret_cast<sockaddr*>(&storage_); }
  socklen_t size() const { return len_; }

  // The numeric address without brackets or port ("::1", "fe80::1%eth0", "10.0.0.1"); a UNIX
  // socket's path, or "@name" for an abstract one ("" for an unnamed socket).
  std::string address() const;
  // "10.0.0.1:80", "[::1]:80", "unix:/run/x.sock" or "unix:@name".
  std::string to_string() const;

  // Address, port and scope equal (used to detect a socket connected to itself).
  friend bool operator==(const Endpoint& a, const Endpoint& b);

 private:
  sockaddr_storage storage_{};
  socklen_t len_ = 0;
};

// A strict IPv4 dotted quad: four decimal parts 0-255, no leading zeros, no short forms.
Parsed<Endpoint> parse_ipv4(std::string_view text, std::uint16_t port = 0);
// An IPv6 literal without brackets, with an optional %scope (number or interface name).
Parsed<Endpoint> parse_ipv6(std::string_view text, std::uint16_t port = 0);
// Either of the above.
Parsed<Endpoint> parse_ip(std::string_view text, std::uint16_t port = 0);
// A UNIX-domain target: "unix:/path" (any non-empty path, relative ones too) or "unix:@name"
// (Linux's abstract namespace). A path that does not fit sun_path (107 bytes and the NUL) is
// refused.
Parsed<Endpoint> parse_unix(std::string_view text);
// Whether a target word names a UNIX-domain socket ("unix:..."): then parse_unix() applies.
inline bool is_unix_target(std::string_view text) {
  return text.starts_with("unix:");
}
// A decimal port 1-65535.
Parsed<std::uint16_t> parse_port(std::string_view text);
// A DNS host name (letters, digits, '-', '_', dots; labels of 1-63, at most 253 in all). Words that
// look numeric (every label a number, or the last label numeric or hex) are refused here because
// they are malformed addresses, not names.
bool is_host_name(std::string_view text);

// A host with a port: the host is either a literal address or a name still to be resolved.
struct HostPort {
  std::string host;  // as written, without brackets
  std::uint16_t port = 0;
  std::optional<Endpoint> literal;  // set when host is an address literal

  std::string to_string() const;  // "host:port", "[v6]:port", "unix:/path"
};

// Parses "HOST:PORT", "[IPV6]:PORT" (an unbracketed IPv6 literal never carries a port), or a
// UNIX-domain "unix:/PATH" / "unix:@NAME" (host is the word, port 0, literal the socket address).
Parsed<HostPort> parse_host_port(std::string_view text);
// Parses HOST and PORT given as two words.
Parsed<HostPort> parse_host_and_port(std::string_view host, std::string_view port);
// Parses a host alone (literal or name, brackets allowed for IPv6).
Parsed<HostPort> parse_host(std::string_view host);

// Durations: "250ms", "1.5s", "2m", "1h", "500us" or a bare number of seconds. Must be > 0.
Parsed<std::chrono::nanoseconds> parse_duration(std::string_view text);
// A duration as people write it, in the largest unit that keeps it exact: "1s", "250ms", "1.5s",
// "2m", "1h", "500us", "0.001us" (1ns). parse_duration() reads every result back to the same
// value (for d in 1ns..24h); 0 and below give "0s".
std::string format_duration(std::chrono::nanoseconds d);
// "0.081 ms" style formatting is the CLI's; this gives milliseconds as a double.
inline double to_ms(std::chrono::nanoseconds d) {
  return static_cast<double>(d.count()) / 1e6;
}

}  // namespace nbc
