// SOCKS5 message bytes and reply codes (RFC 1928 §3-§6, RFC 1929 §2).
#include "proxy/socks5_codec.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace nbc::detail::socks5 {
namespace {

constexpr std::uint8_t kConnect = 0x01;
constexpr std::uint8_t kIpv4 = 0x01;
constexpr std::uint8_t kDomain = 0x03;
constexpr std::uint8_t kIpv6 = 0x04;

void put_port(std::string& out, std::uint16_t port) {
  out += static_cast<char>(port >> 8);
  out += static_cast<char>(port & 0xff);
}

std::uint8_t byte(std::string_view s, std::size_t i) {
  return static_cast<std::uint8_t>(s[i]);
}

}  // namespace

std::string greeting(bool with_credentials) {
  std::string out;
  out += static_cast<char>(kVersion);
  if (with_credentials) {
    out += static_cast<char>(2);
    out += static_cast<char>(kNoAuth);
    out += static_cast<char>(kUserPassword);
  } else {
    out += static_cast<char>(1);
    out += static_cast<char>(kNoAuth);
  }
  return out;
}

std::string auth_request(std::string_view user, std::string_view password) {
  std::string out;
  out += static_cast<char>(kAuthVersion);
  out += static_cast<char>(user.size() & 0xff);
  out += user;
  out += static_cast<char>(password.size() & 0xff);
  out += password;
  return out;
}

std::string connect_request(const Endpoint& target, std::string_view host_name,
                            std::uint16_t port) {
  std::string out;
  out += static_cast<char>(kVersion);
  out += static_cast<char>(kConnect);
  out += static_cast<char>(0);  // reserved
  if (!host_name.empty()) {
    if (host_name.size() > 255) return {};
    out += static_cast<char>(kDomain);
    out += static_cast<char>(host_name.size());
    out += host_name;
  } else if (target.family() == Family::ipv4) {
    out += static_cast<char>(kIpv4);
    const auto* a = reinterpret_cast<const sockaddr_in*>(target.data());
    out.append(reinterpret_cast<const char*>(&a->sin_addr), 4);
  } else {
    out += static_cast<char>(kIpv6);
    const auto* a = reinterpret_cast<const sockaddr_in6*>(target.data());
    out.append(reinterpret_cast<const char*>(&a->sin6_addr), 16);
  }
  put_port(out, port);
  return out;
}

std::size_t reply_length(std::string_view prefix) {
  if (prefix.size() < 4) {
    if (!prefix.empty() && byte(prefix, 0) != kVersion) return 0;
    return 4;
  }
  if (byte(prefix, 0) != kVersion) return 0;
  switch (byte(prefix, 3)) {
    case kIpv4:
      return 4 + 4 + 2;
    case kIpv6:
      return 4 + 16 + 2;
    case kDomain:
      if (prefix.size() < 5) return 5;
      return 4 + 1 + byte(prefix, 4) + 2;
    default:
      return 0;
  }
}

std::optional<Reply> parse_reply(std::string_view reply) {
  const std::size_t length = reply_length(reply);
  if (length == 0 || reply.size() != length || byte(reply, 2) != 0) return std::nullopt;
  Reply r;
  r.code = byte(reply, 1);
  const std::uint16_t port =
      static_cast<std::uint16_t>(byte(reply, length - 2) << 8 | byte(reply, length - 1));
  char text[INET6_ADDRSTRLEN] = {};
  switch (byte(reply, 3)) {
    case kIpv4:
      ::inet_ntop(AF_INET, reply.data() + 4, text, sizeof text);
      r.bound = std::string(text) + ":" + std::to_string(port);
      break;
    case kIpv6:
      ::inet_ntop(AF_INET6, reply.data() + 4, text, sizeof text);
      r.bound = "[" + std::string(text) + "]:" + std::to_string(port);
      break;
    default: {
      // A domain name: shown only when it is printable.
      std::string name(reply.substr(5, length - 7));
      for (char c : name) {
        if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
          name = "?";
          break;
        }
      }
      r.bound = name + ":" + std::to_string(port);
    }
  }
  return r;
}

Classification classify_reply(std::uint8_t code) {
  switch (code) {
    case 0x00:
      return {State::open, Reason::syn_ack};
    case 0x01:
      return {State::error, Reason::proxy_failure};
    case 0x02:
      return {State::filtered, Reason::admin_prohibited};
    case 0x03:
      return {State::filtered, Reason::net_unreach};
    case 0x04:
      return {State::filtered, Reason::host_unreach};
    case 0x05:
      return {State::closed, Reason::conn_refused};
    case 0x06:
      return {State::filtered, Reason::no_response};
    case 0x07:
      return {State::error, Reason::proxy_command_unsupported};
    case 0x08:
      return {State::error, Reason::proxy_address_unsupported};
    default:
      return {State::error, Reason::proxy_protocol};
  }
}

std::string_view describe_reply(std::uint8_t code) {
  switch (code) {
    case 0x00:
      return "succeeded";
    case 0x01:
      return "general SOCKS server failure";
    case 0x02:
      return "connection not allowed by ruleset";
    case 0x03:
      return "network unreachable";
    case 0x04:
      return "host unreachable";
    case 0x05:
      return "connection refused";
    case 0x06:
      return "TTL expired";
    case 0x07:
      return "command not supported";
    case 0x08:
      return "address type not supported";
    default:
      return "unassigned code";
  }
}

}  // namespace nbc::detail::socks5
