// The HTTP stage: writes "GET path HTTP/1.1" with Host and Connection: close, reads the response
// (at most --read-bytes) through the session's transport (plain or TLS), checks the status
// against --http-status and, with --expect, the body against the pattern. A peer that sends the
// response a byte at a time is cut off by the attempt's deadline like any other.
#include <fmt/format.h>

#include "check/check_stages.hpp"
#include "check/http_response.hpp"
#include "check/pattern.hpp"

namespace nbc::detail::check {
namespace {

std::string host_header(const CheckOptions& o, const Endpoint& target) {
  if (!o.http_host.empty()) return o.http_host;
  std::string host = o.sni.empty() ? target.address() : o.sni;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::uint16_t default_port = o.tls ? 443 : 80;
  if (target.port() != default_port) host += fmt::format(":{}", target.port());
  return host;
}

class HttpStage final : public Stage {
 public:
  explicit HttpStage(std::shared_ptr<Session> session) : session_(std::move(session)) {}

  Want start(int fd, Clock::time_point now, Clock::time_point /*deadline*/) override {
    if (!session_->start_stage(CheckKind::http, started_, now)) return Want::done;
    auto pattern = session_->expect_pattern();
    if (!pattern) return fail(CheckReason::http_malformed, pattern.error(), now);
    pattern_ = std::move(*pattern);
    const CheckOptions& o = session_->options();
    std::string path = o.http_path->empty() ? std::string("/") : *o.http_path;
    request_ = fmt::format(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: nbconnect\r\nAccept: */*\r\n"
        "Connection: close\r\n\r\n",
        path, host_header(o, session_->target()));
    session_->trace().note("HTTP: GET {}", path);
    return pump(fd, now);
  }

  Want on_ready(int fd, Clock::time_point now) override { return pump(fd, now); }

  void on_deadline(Clock::time_point now) override {
    if (done_ || !session_->start_stage(CheckKind::http, started_, now)) return;
    done_ = true;
    session_->trace().note("HTTP: deadline passed after {} bytes", received_.size());
    session_->report().bytes_read = received_.size();
    session_->report().http_status = head_.status;
    session_->fail(CheckReason::http_timeout,
                   sent_ < request_.size()
                       ? std::string("the request was not sent before the deadline")
                   : head_.parse == HttpHead::Parse::done
                       ? fmt::format("status {}, body incomplete at the deadline", head_.status)
                       : fmt::format("{} bytes of the response by the deadline", received_.size()),
                   now);
  }

  bool finish(Outcome& outcome) override { return session_->finish(outcome); }

 private:
  Want fail(CheckReason reason, std::string detail, Clock::time_point now) {
    done_ = true;
    session_->trace().note("HTTP check failed: {}: {}", to_string(reason), detail);
    session_->report().bytes_read = received_.size();
    session_->report().http_status = head_.status;
    session_->fail(reason, std::move(detail), now);
    return Want::done;
  }

  Want pass(Clock::time_point now) {
    done_ = true;
    session_->trace().note("HTTP: status {} accepted", head_.status);
    session_->report().bytes_read = received_.size();
    session_->report().http_status = head_.status;
    session_->pass(now);
    return Want::done;
  }

  std::string status_text() const {
    std::string text = std::to_string(head_.status);
    if (!head_.reason_phrase.empty()) text += " " + escape_bytes(head_.reason_phrase);
    return text;
  }

  // What the bytes received so far decide (or Want::done not yet: returns false).
  bool settle(bool at_eof, Clock::time_point now) {
    const CheckOptions& o = session_->options();
    if (head_.parse != HttpHead::Parse::done) {
      head_ = parse_http_head(received_);
      if (head_.parse == HttpHead::Parse::malformed) {
        fail(CheckReason::http_malformed, head_.error + ": " + escape_bytes(received_), now);
        return true;
      }
      if (head_.parse == HttpHead::Parse::more) {
        if (at_eof || received_.size() >= o.read_bytes) {
          fail(CheckReason::http_malformed,
               at_eof ? "the response ended inside its head: " + escape_bytes(received_)
                      : fmt::format("the head is longer than {} bytes", o.read_bytes),
               now);
          return true;
        }
        return false;
      }
      session_->trace().note("HTTP: status {}", status_text());
      if (head_.status < o.http_status_min || head_.status > o.http_status_max) {
        fail(CheckReason::http_status, status_text(), now);
        return true;
      }
      if (!pattern_) {
        pass(now);
        return true;
      }
    }
    HttpBody body = decode_http_body(head_, std::string_view(received_).substr(head_.size));
    if (body.malformed) {
      fail(CheckReason::http_malformed, body.error, now);
      return true;
    }
    if (pattern_->matches(body.bytes)) {
      pass(now);
      return true;
    }
    if (body.complete || at_eof || received_.size() >= o.read_bytes) {
      fail(CheckReason::expect_mismatch,
           fmt::format("status {}, no match in the body ({} bytes): {}", head_.status,
                       body.bytes.size(), escape_bytes(body.bytes)),
           now);
      return true;
    }
    return false;
  }

  Want pump(int fd, Clock::time_point now) {
    if (done_) return Want::done;
    while (sent_ < request_.size()) {
      Io io = session_->write(fd, request_.data() + sent_, request_.size() - sent_);
      if (io.kind == Io::want_read) return Want::readable;
      if (io.kind == Io::want_write) return Want::writable;
      if (io.kind != Io::data) return fail(CheckReason::io_error, "sending: " + io.what, now);
      sent_ += io.bytes;
    }
    const CheckOptions& o = session_->options();
    char buf[16 * 1024];
    for (;;) {
      std::size_t room = o.read_bytes > received_.size() ? o.read_bytes - received_.size() : 0;
      if (room == 0) {
        settle(true, now);
        return Want::done;
      }
      Io io = session_->read(fd, buf, std::min(room, sizeof buf));
      if (io.kind == Io::want_read) return Want::readable;
      if (io.kind == Io::want_write) return Want::writable;
      if (io.kind == Io::error) {
        if (settle(false, now)) return Want::done;
        return fail(CheckReason::io_error, "reading: " + io.what, now);
      }
      if (io.kind == Io::eof) {
        settle(true, now);
        return Want::done;
      }
      received_.append(buf, io.bytes);
      if (settle(false, now)) return Want::done;
    }
  }

  std::shared_ptr<Session> session_;
  bool started_ = false;
  std::unique_ptr<Pattern> pattern_;
  std::string request_;
  std::string received_;
  std::size_t sent_ = 0;
  HttpHead head_;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<Stage> make_http_stage(std::shared_ptr<Session> session) {
  return std::make_unique<HttpStage>(std::move(session));
}

}  // namespace nbc::detail::check
