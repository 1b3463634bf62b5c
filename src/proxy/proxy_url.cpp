// The proxy URL parser and its credential-free formatting (include/nbconnect/proxy.hpp).
//
// Strict: scheme "socks5", "socks5h" or "http" (any case), "://", optional "USER:PASS@" (the last
// '@' ends it; %XX escapes decoded; both parts at most 255 bytes as RFC 1929 allows, USER not
// empty, PASS not empty for SOCKS5), then HOST:PORT as parse_host_port() reads it, then at most
// one '/'. Nothing else: no path, query or fragment.
#include <algorithm>
#include <string>
#include <utility>

#include "nbconnect/proxy.hpp"

namespace nbc {
namespace {

std::unexpected<ParseError> fail(std::string word, std::string message) {
  return std::unexpected(ParseError{std::move(word), std::move(message)});
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; false on a broken escape.
bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::string_view to_string(ProxyScheme scheme) {
  switch (scheme) {
    case ProxyScheme::socks5:
      return "socks5";
    case ProxyScheme::socks5h:
      return "socks5h";
    case ProxyScheme::http:
      return "http";
  }
  return "socks5";
}

std::string ProxyOptions::to_string() const {
  std::string out(nbc::to_string(scheme));
  out += "://";
  out += server.to_string();
  return out;
}

Parsed<ProxyOptions> parse_proxy_url(std::string_view text) {
  ProxyOptions proxy;
  const std::size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    // No scheme: the word may hold a password, so name only what is safe to show.
    const std::size_t at = text.rfind('@');
    std::string shown = at == std::string_view::npos ? std::string(text)
                                                     : "***@" + std::string(text.substr(at + 1));
    return fail(shown, "proxy " + quote(shown) +
                           " has no scheme: write socks5://, socks5h:// or http://HOST:PORT");
  }
  const std::string scheme = lower(text.substr(0, sep));
  if (scheme == "socks5") {
    proxy.scheme = ProxyScheme::socks5;
  } else if (scheme == "socks5h") {
    proxy.scheme = ProxyScheme::socks5h;
  } else if (scheme == "http") {
    proxy.scheme = ProxyScheme::http;
  } else {
    std::string word(text.substr(0, sep));
    return fail(word, "proxy scheme " + quote(word) + " is not socks5, socks5h or http");
  }
  std::string_view rest = text.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);

  const std::size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const std::size_t colon = userinfo.find(':');
    const std::string_view user = userinfo.substr(0, colon);
    // What a message about the credentials shows: the user, never the password.
    const std::string shown = std::string(text.substr(0, sep + 3)) + std::string(user) +
                              (colon == std::string_view::npos ? "" : ":***") + "@" +
                              std::string(rest);
    if (colon == std::string_view::npos) {
      return fail(shown, "proxy " + quote(shown) + " has a user but no ':PASSWORD'");
    }
    if (!percent_decode(user, proxy.user) ||
        !percent_decode(userinfo.substr(colon + 1), proxy.password)) {
      return fail(shown, "proxy " + quote(shown) + " has a broken %-escape in its credentials");
    }
    if (proxy.user.empty()) {
      return fail(shown, "proxy " + quote(shown) + " has an empty user name");
    }
    if (proxy.user.size() > 255 || proxy.password.size() > 255) {
      return fail(shown, "proxy " + quote(shown) + " has a user or password longer than 255 bytes");
    }
    if (proxy.scheme != ProxyScheme::http && proxy.password.empty()) {
      return fail(shown, "proxy " + quote(shown) + " has an empty password (SOCKS5 needs one)");
    }
  }
  if (rest.empty()) {
    std::string word(text);
    if (at != std::string_view::npos) word = std::string(text.substr(0, sep + 3)) + "***@";
    return fail(word, "proxy " + quote(word) + " has no HOST:PORT");
  }
  auto server = parse_host_port(rest);
  if (!server) {
    std::string message = server.error().message;
    if (message.starts_with("invalid target")) message.replace(0, 14, "invalid proxy address");
    return std::unexpected(ParseError{server.error().word, message});
  }
  if (server->port == 0) {
    std::string word(rest);
    return fail(word, "proxy " + quote(word) + " has no port");
  }
  proxy.server = std::move(*server);
  if (proxy.server.literal) {
    proxy.endpoint = *proxy.server.literal;
    proxy.endpoint.set_port(proxy.server.port);
  }
  return proxy;
}

}  // namespace nbc
