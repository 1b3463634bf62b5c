// Proxies an attempt can connect through (docs/proxies.md): SOCKS5 (RFC 1928, with the RFC 1929
// user/password sub-negotiation) and HTTP CONNECT (RFC 9110 §9.3.6). The attempt connects to the
// proxy, and the proxy's answer to "connect to the target" decides the target's state; problems
// with the proxy itself are errors with proxy-* reasons, never the target's state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "nbconnect/endpoint.hpp"

namespace nbc {

enum class ProxyScheme : std::uint8_t {
  socks5,   // the target's address is sent to the proxy
  socks5h,  // the target's host name is sent to the proxy unresolved (the proxy resolves it)
  http,     // HTTP CONNECT host:port
};
std::string_view to_string(ProxyScheme scheme);  // "socks5", "socks5h", "http"

struct ProxyOptions {
  ProxyScheme scheme = ProxyScheme::socks5;
  HostPort server;    // the proxy as written: literal address or host name, and port
  Endpoint endpoint;  // the proxy's address: set from a literal, else by whoever resolves server
  std::string user;   // empty: no credentials
  std::string password;
  // The target's host name, sent instead of its address (socks5h; also used by http when set).
  // Empty: the attempt's target address is sent.
  std::string target_host;

  bool has_credentials() const { return !user.empty(); }
  // "socks5://HOST:PORT": never the credentials.
  std::string to_string() const;
};

// Parses "socks5://[USER:PASS@]HOST:PORT", "socks5h://..." and "http://..." (scheme in any case;
// one trailing '/' allowed; USER and PASS may be %-encoded). The port is required. A bad word is
// named in the error, with the password replaced by "***": it is never echoed.
Parsed<ProxyOptions> parse_proxy_url(std::string_view text);

}  // namespace nbc
