// libFuzzer target for the proxy parsers: the proxy URL parser (include/nbconnect/proxy.hpp) and
// the SOCKS5 reply and HTTP CONNECT header readers (src/proxy/). No input may crash them; a URL
// that parses formats back (without credentials) to one that parses the same; an error never
// shows the password; the SOCKS5 reader never asks for more bytes than the reply holds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "nbconnect/proxy.hpp"
#include "proxy/http_connect_codec.hpp"
#include "proxy/socks5_codec.hpp"

namespace {

using nbc::fuzz::check;
namespace socks5 = nbc::detail::socks5;
namespace http = nbc::detail::http_connect;

void check_url(std::string_view text) {
  if (auto p = nbc::parse_proxy_url(text)) {
    const std::string shown = p->to_string();
    check(shown.find('@') == std::string::npos, "to_string() shows credentials", text);
    auto again = nbc::parse_proxy_url(shown);
    check(again.has_value(), "to_string() does not parse", text);
    check(again->scheme == p->scheme && again->server.host == p->server.host &&
              again->server.port == p->server.port && again->endpoint == p->endpoint,
          "parse_proxy_url(to_string()) differs", text);
  } else {
    nbc::fuzz::check_message(p.error().message, text);
  }
  // The same text after a known password: no error may show it. (A text that holds the secret
  // itself may be quoted: the fuzzer found one, which said nothing about the password.)
  const std::string secret = "Zq9XsecretPW";
  if (text.find(secret) != std::string_view::npos) return;
  for (const char* scheme : {"socks5://u:", "http://u:"}) {
    const std::string url = scheme + secret + "@" + std::string(text);
    if (auto p = nbc::parse_proxy_url(url); !p) {
      check(p.error().message.find(secret) == std::string::npos, "error shows the password", text);
      check(p.error().word.find(secret) == std::string::npos, "error word is the password", text);
    }
  }
}

void check_socks5_reply(std::string_view bytes) {
  // Read as the stage reads: take what reply_length() asks for, never more.
  std::size_t have = 0;
  for (int i = 0; i < 4; ++i) {
    const std::size_t need = socks5::reply_length(bytes.substr(0, have));
    if (need == 0 || need > bytes.size()) return;
    check(need >= have, "reply_length() shrank", bytes);
    if (need == have) break;
    have = need;
  }
  const std::size_t length = socks5::reply_length(bytes.substr(0, have));
  check(length == have, "reply_length() did not settle", bytes);
  check(length <= 4 + 1 + 255 + 2, "reply longer than SOCKS5 allows", bytes);
  if (auto reply = socks5::parse_reply(bytes.substr(0, have))) {
    (void)socks5::classify_reply(reply->code);
    check(!reply->bound.empty(), "empty bound address", bytes);
  }
}

void check_http_header(std::string_view bytes) {
  const std::size_t end = http::header_end(bytes);
  if (end != std::string_view::npos) {
    check(end <= bytes.size() && end >= 2, "header end out of range", bytes);
    check(bytes[end - 1] == '\n', "header does not end with a line feed", bytes);
  }
  if (auto status = http::parse_status(bytes)) {
    check(*status >= 100 && *status <= 999, "status out of range", bytes);
    (void)http::classify_status(*status);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_url(text);
  check_socks5_reply(text);
  check_http_header(text);
  return 0;
}
