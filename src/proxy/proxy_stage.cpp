// What the SOCKS5 and HTTP CONNECT stages share: buffered non-blocking writes, reads that never
// go past the proxy's answer, the result and how it is written into the outcome.
#include "proxy/proxy_stage.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <utility>

#include "proxy/http_connect_stage.hpp"
#include "proxy/socks5_stage.hpp"

namespace nbc::detail {

ProxyStage::ProxyStage(const Endpoint& target, const ProxyOptions& proxy, const Tracer& trace)
    : target_(target), proxy_(proxy), tracer_(trace), trace_(&tracer_) {}

const char* ProxyStage::name() const {
  return proxy_.scheme == ProxyScheme::http ? "http" : "socks5";
}

bool ProxyStage::flush(int fd) {
  while (sent_ < out_.size()) {
    const ssize_t n = ::send(fd, out_.data() + sent_, out_.size() - sent_, MSG_NOSIGNAL);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) return false;
      trace_.call(-1, err, "proxy {}: send({} bytes)", name(), out_.size() - sent_);
      protocol_error(err, "the proxy connection failed while sending");
      return false;
    }
    sent_ += static_cast<std::size_t>(n);
  }
  out_.clear();
  sent_ = 0;
  return true;
}

bool ProxyStage::read_exact(int fd, std::size_t total) {
  while (in_.size() < total) {
    char buf[512];
    const std::size_t want = std::min(sizeof buf, total - in_.size());
    const ssize_t n = ::recv(fd, buf, want, 0);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) return false;
      trace_.call(-1, err, "proxy {}: recv({})", name(), want);
      protocol_error(err, "the proxy connection failed before its answer");
      return false;
    }
    if (n == 0) {
      trace_.note("proxy {}: recv({}) = 0 (the proxy closed the connection)", name(), want);
      protocol_error(0, "the proxy closed the connection before its answer");
      return false;
    }
    in_.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

Stage::Want ProxyStage::settle(Classification c, int err, int status, std::string detail) {
  settled_ = true;
  result_ = c;
  error_ = err;
  status_ = status;
  detail_ = std::move(detail);
  return Want::done;
}

Stage::Want ProxyStage::protocol_error(int err, std::string detail) {
  answered_ = Clock::now();
  return settle({State::error, Reason::proxy_protocol}, err, 0, std::move(detail));
}

void ProxyStage::on_deadline(Clock::time_point now) {
  answered_ = now;
  trace_.note("proxy {}: no answer before the deadline", name());
  settle({State::filtered, Reason::no_response}, ETIMEDOUT, 0,
         "the proxy did not answer before the deadline");
}

bool ProxyStage::finish(Outcome& outcome) {
  outcome.proxy = proxy_.to_string();
  if (!settled_) protocol_error(0, "the proxy handshake did not end");
  outcome.state = result_.state;
  outcome.reason = result_.reason;
  outcome.error = error_;
  outcome.phase = Phase::proxy;
  outcome.proxy_status = status_;
  if (answered_ > started_ && started_ != Clock::time_point{}) {
    outcome.rtt += answered_ - started_;  // reaching the proxy, then its answer
  }
  if (!detail_.empty()) {
    if (!outcome.detail.empty()) outcome.detail += "; ";
    outcome.detail += detail_;
  }
  return outcome.state == State::open;
}

void on_proxy_connected(Outcome& outcome, const Endpoint& target, const ProxyOptions& proxy) {
  outcome.peer = target;
  outcome.proxy = proxy.to_string();
  // The proxy stage answered (phase proxy): its outcome stands.
  if (outcome.phase == Phase::proxy || outcome.state == State::open ||
      outcome.reason == Reason::local_resources) {
    return;
  }
  // Nothing listening there: refused, or a socket that connected to itself (retried first).
  const bool refused =
      outcome.reason == Reason::conn_refused || outcome.reason == Reason::self_connect;
  outcome.reason = refused ? Reason::proxy_refused : Reason::proxy_unreachable;
  outcome.state = State::error;
  if (outcome.detail.empty()) outcome.detail = "cannot connect to the proxy";
}

std::unique_ptr<Stage> make_proxy_stage(const Endpoint& target, const ConnectOptions& options) {
  if (!options.proxy) return nullptr;
  if (options.proxy->scheme == ProxyScheme::http) {
    return std::make_unique<HttpConnectStage>(target, *options.proxy, options.trace);
  }
  return std::make_unique<Socks5Stage>(target, *options.proxy, options.trace);
}

}  // namespace nbc::detail
