// The HTTP CONNECT stage: send the request, then read the header without over-reading: peek what
// has arrived, look for the blank line in what is held plus what was peeked, and take only the
// bytes up to it. Bytes peeked before the blank line are taken at once (they are header), so a
// proxy that stalls mid-header leaves nothing unread and the socket is not readable again until
// it sends more: no busy loop.
#include "proxy/http_connect_stage.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "proxy/http_connect_codec.hpp"

namespace nbc::detail {

Stage::Want HttpConnectStage::start(int fd, Clock::time_point now, Clock::time_point /*deadline*/) {
  started_ = now;
  const std::string host = !proxy_.target_host.empty() ? proxy_.target_host : target_.address();
  std::string authority = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  authority += ":" + std::to_string(target_.port());
  out_ = http_connect::connect_request(authority, proxy_.user, proxy_.password);
  trace_.note("proxy http: CONNECT {} HTTP/1.1{}", authority,
              proxy_.has_credentials() ? " with Proxy-Authorization: Basic" : "");
  return on_ready(fd, now);
}

Stage::Want HttpConnectStage::on_ready(int fd, Clock::time_point /*now*/) {
  if (!request_sent_) {
    if (!flush(fd)) return settled() ? Want::done : Want::writable;
    request_sent_ = true;
  }
  return read_header(fd);
}

Stage::Want HttpConnectStage::read_header(int fd) {
  while (true) {
    char buf[2048];
    const std::size_t room = http_connect::kMaxHeader - in_.size();
    const std::size_t want = std::min(sizeof buf, room);
    const ssize_t n = ::recv(fd, buf, want, MSG_PEEK);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) return Want::readable;
      trace_.call(-1, err, "proxy http: recv({})", want);
      return protocol_error(err, "the proxy connection failed before its answer");
    }
    if (n == 0) {
      trace_.note("proxy http: recv = 0 (the proxy closed the connection)");
      return protocol_error(0, "the proxy closed the connection before its answer");
    }
    // The blank line may straddle what is held and what was peeked: search from 3 bytes back.
    const std::size_t from = in_.size() > 3 ? in_.size() - 3 : 0;
    std::string view = in_.substr(from);
    view.append(buf, static_cast<std::size_t>(n));
    const std::size_t end = http_connect::header_end(view);
    const std::size_t take =
        end == std::string::npos ? static_cast<std::size_t>(n) : end - (in_.size() - from);
    // Take exactly `take` bytes: they were peeked, so they are there.
    const std::size_t before = in_.size();
    if (!read_exact(fd, before + take)) return settled() ? Want::done : Want::readable;
    if (end != std::string::npos) break;
    if (in_.size() >= http_connect::kMaxHeader) {
      return protocol_error(0, "the proxy's answer header is longer than 16 KiB");
    }
  }
  answered_ = Clock::now();
  const std::string_view first_line = std::string_view(in_).substr(0, in_.find_first_of("\r\n"));
  trace_.note("proxy http: reply {} ({} header bytes)", quote(first_line), in_.size());
  const auto status = http_connect::parse_status(in_);
  if (!status) return protocol_error(0, "not an HTTP answer: " + quote(first_line));
  const Classification c = http_connect::classify_status(*status);
  return settle(c, 0, *status, *status == 200 ? "" : "http status " + quote(first_line));
}

}  // namespace nbc::detail
