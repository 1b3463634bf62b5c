// The HTTP CONNECT handshake as a stage (RFC 9110 §9.3.6): the request, then the response header
// read up to its blank line and not one byte further (peeked, then taken), at most
// http_connect::kMaxHeader bytes. What follows the header belongs to the tunnel.
#pragma once

#include "proxy/proxy_stage.hpp"

namespace nbc::detail {

class HttpConnectStage final : public ProxyStage {
 public:
  using ProxyStage::ProxyStage;

  Want start(int fd, Clock::time_point now, Clock::time_point deadline) override;
  Want on_ready(int fd, Clock::time_point now) override;

 private:
  Want read_header(int fd);
  bool request_sent_ = false;
};

}  // namespace nbc::detail
