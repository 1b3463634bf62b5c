// The expect stage: writes --send (when given), then reads until --expect matches what was
// received, the peer closes, --read-bytes have been read, or the deadline passes. Reads and
// writes go through the session's transport (plain or TLS), never block, and keep at most
// read_bytes of input.
#include "check/check_stages.hpp"
#include "check/pattern.hpp"

namespace nbc::detail::check {
namespace {

class ExpectStage final : public Stage {
 public:
  explicit ExpectStage(std::shared_ptr<Session> session) : session_(std::move(session)) {}

  Want start(int fd, Clock::time_point now, Clock::time_point /*deadline*/) override {
    if (!session_->start_stage(CheckKind::expect, started_, now)) return Want::done;
    auto pattern = session_->expect_pattern();
    if (!pattern) return fail(CheckReason::expect_mismatch, pattern.error(), now);
    pattern_ = std::move(*pattern);
    const CheckOptions& o = session_->options();
    sending_ = o.send.has_value() && !o.send->empty();
    return pump(fd, now);
  }

  Want on_ready(int fd, Clock::time_point now) override { return pump(fd, now); }

  void on_deadline(Clock::time_point now) override {
    if (done_ || !session_->start_stage(CheckKind::expect, started_, now)) return;
    done_ = true;
    std::string detail = sending_ ? "the peer took no more of --send before the deadline"
                         : received_.empty()
                             ? "nothing received before the deadline"
                             : "received before the deadline: " + escape_bytes(received_);
    session_->trace().note("expect: deadline passed");
    session_->report().bytes_read = received_.size();
    session_->fail(CheckReason::expect_timeout, std::move(detail), now);
  }

  bool finish(Outcome& outcome) override { return session_->finish(outcome); }

 private:
  Want fail(CheckReason reason, std::string detail, Clock::time_point now) {
    done_ = true;
    session_->trace().note("expect check failed: {}: {}", to_string(reason), detail);
    session_->report().bytes_read = received_.size();
    session_->fail(reason, std::move(detail), now);
    return Want::done;
  }

  Want pass(Clock::time_point now) {
    done_ = true;
    session_->trace().note("expect: matched after {} bytes", received_.size());
    session_->report().bytes_read = received_.size();
    session_->pass(now);
    return Want::done;
  }

  // Writes and reads as far as the socket allows without waiting. Every turn of the loop either
  // moves bytes (bounded by the size of --send and by read_bytes) or returns.
  Want pump(int fd, Clock::time_point now) {
    if (done_) return Want::done;
    const CheckOptions& o = session_->options();
    while (sending_) {
      const std::string& out = *o.send;
      Io io = session_->write(fd, out.data() + sent_, out.size() - sent_);
      if (io.kind == Io::want_read) return Want::readable;
      if (io.kind == Io::want_write) return Want::writable;
      if (io.kind != Io::data) return fail(CheckReason::io_error, "sending: " + io.what, now);
      sent_ += io.bytes;
      if (sent_ == out.size()) sending_ = false;
    }
    if (!pattern_) return pass(now);  // --send alone: written is enough
    char buf[16 * 1024];
    for (;;) {
      std::size_t room = o.read_bytes > received_.size() ? o.read_bytes - received_.size() : 0;
      if (room == 0) {
        return fail(CheckReason::expect_mismatch,
                    "no match in the first " + std::to_string(received_.size()) +
                        " bytes: " + escape_bytes(received_),
                    now);
      }
      Io io = session_->read(fd, buf, std::min(room, sizeof buf));
      if (io.kind == Io::want_read) return Want::readable;
      if (io.kind == Io::want_write) return Want::writable;
      if (io.kind == Io::eof) {
        return fail(CheckReason::expect_mismatch,
                    received_.empty()
                        ? std::string("the peer closed the connection without sending anything")
                        : "the peer closed the connection after: " + escape_bytes(received_),
                    now);
      }
      if (io.kind == Io::error) {
        return fail(CheckReason::io_error, "reading: " + io.what, now);
      }
      received_.append(buf, io.bytes);
      if (pattern_->matches(received_)) return pass(now);
    }
  }

  std::shared_ptr<Session> session_;
  bool started_ = false;
  std::unique_ptr<Pattern> pattern_;
  std::string received_;
  std::size_t sent_ = 0;
  bool sending_ = false;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<Stage> make_expect_stage(std::shared_ptr<Session> session) {
  return std::make_unique<ExpectStage>(std::move(session));
}

}  // namespace nbc::detail::check
