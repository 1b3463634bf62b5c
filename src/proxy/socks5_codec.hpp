// The SOCKS5 messages (RFC 1928, RFC 1929 user/password) as bytes, and the meaning of the reply
// codes: pure functions, no I/O, so that the stage (socks5_stage.hpp) and the tests share them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nbconnect/endpoint.hpp"
#include "nbconnect/outcome.hpp"

namespace nbc::detail::socks5 {

inline constexpr std::uint8_t kVersion = 0x05;
inline constexpr std::uint8_t kNoAuth = 0x00;
inline constexpr std::uint8_t kUserPassword = 0x02;
inline constexpr std::uint8_t kNoAcceptable = 0xff;
inline constexpr std::uint8_t kAuthVersion = 0x01;  // RFC 1929 sub-negotiation version

// Greeting: version 5 and the methods offered (no-auth, and user/password when we have them).
std::string greeting(bool with_credentials);
// RFC 1929 request: 01 ULEN USER PLEN PASS (both 1-255 bytes; the URL parser checked).
std::string auth_request(std::string_view user, std::string_view password);
// CONNECT request: 05 01 00 ATYP ADDR PORT, with a domain name (ATYP 03) when host_name is set,
// else target's IPv4 (01) or IPv6 (04) address. A host name longer than 255 bytes gives "".
std::string connect_request(const Endpoint& target, std::string_view host_name, std::uint16_t port);

// How long the reply to a CONNECT is, judged from its first bytes: 4 while fewer than 4 are known
// (5 for a domain until its length byte is known), then the whole length. 0: not a reply (wrong
// version or unknown address type) — the reader stops there.
std::size_t reply_length(std::string_view prefix);

struct Reply {
  std::uint8_t code = 0;  // REP
  std::string bound;      // BND.ADDR:BND.PORT as text
};
// Parses a complete reply of reply_length() bytes; nullopt when malformed.
std::optional<Reply> parse_reply(std::string_view reply);

// The state and reason a reply code stands for (docs/proxies.md). Codes past 0x08 (unassigned)
// are a protocol error.
Classification classify_reply(std::uint8_t code);
// The RFC's words for a code: "succeeded", "connection refused", ...
std::string_view describe_reply(std::uint8_t code);

}  // namespace nbc::detail::socks5
