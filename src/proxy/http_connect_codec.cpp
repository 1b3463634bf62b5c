// HTTP CONNECT request text, header end and status line (RFC 9110 §9.3.6, RFC 9112 §4).
#include "proxy/http_connect_codec.hpp"

namespace nbc::detail::http_connect {

std::string connect_request(std::string_view authority, std::string_view user,
                            std::string_view password) {
  std::string out = "CONNECT ";
  out += authority;
  out += " HTTP/1.1\r\nHost: ";
  out += authority;
  out += "\r\n";
  if (!user.empty()) {
    std::string credentials(user);
    credentials += ':';
    credentials += password;
    out += "Proxy-Authorization: Basic ";
    out += base64(credentials);
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

std::string base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(data[i]) << 16 |
                       static_cast<unsigned char>(data[i + 1]) << 8 |
                       static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t left = data.size() - i;
  if (left > 0) {
    unsigned v = static_cast<unsigned char>(data[i]) << 16;
    if (left == 2) v |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += left == 2 ? kAlphabet[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

std::size_t header_end(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n') continue;
    if (i + 1 < text.size() && text[i + 1] == '\n') return i + 2;
    if (i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}

std::optional<int> parse_status(std::string_view header) {
  // "HTTP/1.0 200" or "HTTP/1.1 200", then a space or the end of the line.
  if (header.size() < 12 || header.substr(0, 7) != "HTTP/1.") return std::nullopt;
  if (header[7] < '0' || header[7] > '9' || header[8] != ' ') return std::nullopt;
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (header[i] < '0' || header[i] > '9') return std::nullopt;
    status = status * 10 + (header[i] - '0');
  }
  if (status < 100) return std::nullopt;
  if (header.size() > 12 && header[12] != ' ' && header[12] != '\r' && header[12] != '\n') {
    return std::nullopt;
  }
  return status;
}

Classification classify_status(int status) {
  switch (status) {
    case 200:
      return {State::open, Reason::syn_ack};
    case 403:
      return {State::error, Reason::proxy_denied};
    case 407:
      return {State::error, Reason::proxy_auth};
    // The proxy could not reach the target (or gave up waiting): refused, dropped or unreachable
    // all look the same from here, so the target's real state is unknown.
    case 502:
    case 503:
    case 504:
      return {State::filtered, Reason::proxy_gateway};
    default:
      return {State::error, Reason::proxy_http};
  }
}

}  // namespace nbc::detail::http_connect
