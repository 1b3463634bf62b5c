// The SOCKS5 handshake as a stage (RFC 1928, RFC 1929): greeting, user/password when the proxy
// picks it, CONNECT, reply. Each message may arrive split across reads.
#pragma once

#include "proxy/proxy_stage.hpp"

namespace nbc::detail {

class Socks5Stage final : public ProxyStage {
 public:
  using ProxyStage::ProxyStage;

  Want start(int fd, Clock::time_point now, Clock::time_point deadline) override;
  Want on_ready(int fd, Clock::time_point now) override;

 private:
  enum class Step : std::uint8_t { greeting, method, auth, auth_reply, request, reply, done };
  Want step(int fd);
  Want send_request();

  Step step_ = Step::greeting;
};

}  // namespace nbc::detail
