// The SOCKS5 stage: greeting → method → (RFC 1929 auth → status) → CONNECT → reply, each write
// completed and each read taken to its exact length across as many readiness events as it needs.
#include "proxy/socks5_stage.hpp"

#include <fmt/format.h>

#include "proxy/socks5_codec.hpp"

namespace nbc::detail {
namespace {

std::string hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{}{:02x}", out.empty() ? "" : " ", c);
  return out;
}

}  // namespace

Stage::Want Socks5Stage::start(int fd, Clock::time_point now, Clock::time_point /*deadline*/) {
  started_ = now;
  out_ = socks5::greeting(proxy_.has_credentials());
  trace_.note("proxy socks5: greeting, methods {}", hex(std::string_view(out_).substr(2)));
  return step(fd);
}

Stage::Want Socks5Stage::on_ready(int fd, Clock::time_point /*now*/) {
  return step(fd);
}

Stage::Want Socks5Stage::send_request() {
  const std::string_view host =
      proxy_.scheme == ProxyScheme::socks5h ? std::string_view(proxy_.target_host) : "";
  out_ = socks5::connect_request(target_, host, target_.port());
  if (out_.empty()) {
    return settle({State::error, Reason::proxy_address_unsupported}, 0, 0,
                  "the target's host name is longer than SOCKS5 allows (255 bytes)");
  }
  trace_.note("proxy socks5: CONNECT {}:{}", host.empty() ? target_.address() : std::string(host),
              target_.port());
  step_ = Step::request;
  return Want::writable;
}

Stage::Want Socks5Stage::step(int fd) {
  while (true) {
    switch (step_) {
      case Step::greeting:
      case Step::auth:
      case Step::request:
        if (!flush(fd)) return settled() ? Want::done : Want::writable;
        in_.clear();
        step_ = step_ == Step::greeting ? Step::method
                : step_ == Step::auth   ? Step::auth_reply
                                        : Step::reply;
        break;
      case Step::method: {
        if (!read_exact(fd, 2)) return settled() ? Want::done : Want::readable;
        const auto version = static_cast<std::uint8_t>(in_[0]);
        const auto method = static_cast<std::uint8_t>(in_[1]);
        trace_.note("proxy socks5: method reply {}", hex(in_));
        answered_ = Clock::now();
        if (version != socks5::kVersion) {
          return protocol_error(0, fmt::format("not a SOCKS5 answer (version {:#04x})", version));
        }
        if (method == socks5::kNoAcceptable) {
          return settle({State::error, Reason::proxy_auth}, 0, 0,
                        proxy_.has_credentials()
                            ? "the proxy accepts none of the methods offered"
                            : "the proxy wants credentials (write USER:PASS@ in the URL)");
        }
        if (method == socks5::kUserPassword && proxy_.has_credentials()) {
          out_ = socks5::auth_request(proxy_.user, proxy_.password);
          trace_.note("proxy socks5: auth user {}", quote(proxy_.user));
          step_ = Step::auth;
          break;
        }
        if (method != socks5::kNoAuth) {
          return protocol_error(0,
                                fmt::format("the proxy chose method {:#04x}, not offered", method));
        }
        send_request();
        if (settled()) return Want::done;
        break;
      }
      case Step::auth_reply: {
        if (!read_exact(fd, 2)) return settled() ? Want::done : Want::readable;
        trace_.note("proxy socks5: auth reply {}", hex(in_));
        answered_ = Clock::now();
        if (static_cast<std::uint8_t>(in_[0]) != socks5::kAuthVersion) {
          return protocol_error(0, "not an RFC 1929 answer");
        }
        if (in_[1] != 0) {
          return settle({State::error, Reason::proxy_auth}, 0, 0,
                        "the proxy refused the user name and password");
        }
        send_request();
        if (settled()) return Want::done;
        break;
      }
      case Step::reply: {
        // The length grows as the address type and a domain's length become known.
        std::size_t length = socks5::reply_length(in_);
        while (length != 0 && in_.size() < length) {
          if (!read_exact(fd, length)) return settled() ? Want::done : Want::readable;
          length = socks5::reply_length(in_);
        }
        answered_ = Clock::now();
        trace_.note("proxy socks5: reply {}", hex(in_));
        const auto reply = length == 0 ? std::nullopt : socks5::parse_reply(in_);
        if (!reply) return protocol_error(0, "malformed SOCKS5 reply");
        step_ = Step::done;
        const Classification c = socks5::classify_reply(reply->code);
        std::string detail = fmt::format("socks5 reply {:#04x} ({})", reply->code,
                                         socks5::describe_reply(reply->code));
        if (reply->code == 0) detail += ", bound " + reply->bound;
        trace_.note("proxy socks5: {}", detail);
        return settle(c, 0, reply->code, reply->code == 0 ? "" : detail);
      }
      case Step::done:
        return Want::done;
    }
  }
}

}  // namespace nbc::detail
