// The proxy handshake as a stage of the attempt (stage.hpp): the attempt's socket is connected to
// the proxy, and this stage asks the proxy to connect to the target and reads its answer, under
// the attempt's deadline. The answer becomes the outcome (docs/proxies.md): the target's state
// from the proxy's reply, phase "proxy"; a proxy speaking garbage or closing is error /
// proxy-protocol; no answer before the deadline is filtered / no-response with phase proxy.
//
// Nothing past the proxy's answer is read: the SOCKS5 reply is read to its exact length and the
// HTTP header up to its blank line (peeked first), so bytes the target sends through the tunnel
// are left in the socket for the stages after this one (TLS, expect, HTTP checks).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "nbconnect/options.hpp"
#include "nbconnect/proxy.hpp"
#include "stage.hpp"
#include "trace.hpp"

namespace nbc::detail {

class ProxyStage : public Stage {
 public:
  ProxyStage(const Endpoint& target, const ProxyOptions& proxy, const Tracer& trace);

  void on_deadline(Clock::time_point now) override;
  bool finish(Outcome& outcome) override;

 protected:
  // Writes what is queued in out_. Returns true once it is all sent; false while the socket is
  // full (want writable) or after an error (settled: check settled()).
  bool flush(int fd);
  // Reads into in_ until it holds `total` bytes, never more. Returns true when it does; false
  // while more must come (want readable) or after an error or EOF (settled).
  bool read_exact(int fd, std::size_t total);
  Want settle(Classification c, int err, int status, std::string detail);
  Want protocol_error(int err, std::string detail);
  bool settled() const { return settled_; }
  const char* name() const;

  Endpoint target_;
  ProxyOptions proxy_;
  Tracer tracer_;
  Trace trace_{nullptr};
  std::string out_;
  std::size_t sent_ = 0;
  std::string in_;
  Clock::time_point started_{};
  Clock::time_point answered_{};

 private:
  bool settled_ = false;
  Classification result_{State::error, Reason::proxy_protocol};
  int error_ = 0;
  int status_ = 0;
  std::string detail_;
};

// The stage for options.proxy (socks5 or http), asking for target.
std::unique_ptr<Stage> make_proxy_stage(const Endpoint& target, const ConnectOptions& options);

// Whether the attempt goes through options.proxy: a TCP target and a proxy set (a UNIX-domain
// target is always connected directly).
inline bool through_proxy(const Endpoint& target, const ConnectOptions& options) {
  return options.proxy && target.family() != Family::unix_domain;
}
// Where the attempt's socket connects: the proxy when it goes through one, else the target.
inline const Endpoint& connect_endpoint(const Endpoint& target, const ConnectOptions& options) {
  return through_proxy(target, options) ? options.proxy->endpoint : target;
}

// The outcome of the connect to the proxy, made about the target (the driver calls it once the
// connect has its outcome, when options.proxy is set): the peer becomes the target, "proxy" is
// set, and a failed connect becomes error / proxy-refused (ECONNREFUSED, or a self-connect after
// its retries) or proxy-unreachable
// (no answer, unreachable, any other error) — never the target's state. Local errors (this
// machine ran short) stay what they are. An open outcome is left open for the proxy stage.
void on_proxy_connected(Outcome& outcome, const Endpoint& target, const ProxyOptions& proxy);

}  // namespace nbc::detail
