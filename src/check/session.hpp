// The shared state of the checks of one attempt (the TLS, expect and HTTP stages): the report
// they build together, the start-up and finish every stage makes the same way, and the transport
// they read and write through — the plain socket, or the TLS session once the TLS stage has made
// one, so that expect and HTTP run over TLS with --tls.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "check/pattern.hpp"
#include "nbconnect/check.hpp"
#include "nbconnect/options.hpp"
#include "nbconnect/outcome.hpp"
#include "nbconnect/reactor.hpp"
#include "trace.hpp"

namespace nbc::detail::check {

// What one read or write through the transport did.
struct Io {
  enum Kind : std::uint8_t { data, eof, want_read, want_write, error } kind = error;
  std::size_t bytes = 0;  // with data
  std::string what;       // with error: why, for the report's detail
};

struct SslDeleter {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};

class Session {
 public:
  Session(const CheckOptions& options, const Endpoint& target, const Tracer& tracer);

  const CheckOptions& options() const { return options_; }
  const Endpoint& target() const { return target_; }
  const Trace& trace() const { return trace_; }

  // An earlier check stage failed: the later ones do nothing.
  bool failed() const { return report_.reason != CheckReason::none; }
  // The start every check stage makes, from its start() or, when the driver times out a stage it
  // never started (the deadline passed as the one before ended), from its on_deadline(): a stage
  // of `kind` begins, once (`started` is the stage's own flag). False when an earlier check
  // failed: the stage then does nothing.
  bool start_stage(CheckKind kind, bool& started, Clock::time_point now);
  // --expect compiled, for the stages that read (expect, HTTP): null without --expect;
  // "bad pattern: WHY" when it does not compile, for the stage to fail with its own reason.
  std::expected<std::unique_ptr<Pattern>, std::string> expect_pattern() const;
  // A stage's finish(): the report goes into the outcome; true when no check failed.
  bool finish(Outcome& outcome) const;
  // A stage of this kind starts: it becomes the kind of the report.
  void begin(CheckKind kind, Clock::time_point now);
  // The running stage ended: passed, or failed with a reason and detail.
  void pass(Clock::time_point now);
  void fail(CheckReason reason, std::string detail, Clock::time_point now);
  // The report as it stands, for finish().
  const CheckReport& report() const { return report_; }
  CheckReport& report() { return report_; }

  // The TLS session reads and writes go through from now on (owned here).
  void use_tls(std::unique_ptr<SSL, SslDeleter> ssl) { ssl_ = std::move(ssl); }
  SSL* ssl() const { return ssl_.get(); }

  Io read(int fd, char* buf, std::size_t len);
  Io write(int fd, const char* buf, std::size_t len);

 private:
  CheckOptions options_;
  Endpoint target_;
  Tracer tracer_;
  Trace trace_;
  CheckReport report_;
  Clock::time_point first_start_{};
  bool started_ = false;
  std::unique_ptr<SSL, SslDeleter> ssl_;
};

// The first bytes of `data`, escaped for one line of text (\r, \n, \xNN), cut at `limit`.
std::string escape_bytes(std::string_view data, std::size_t limit = 64);

// OpenSSL's reason for the last error on this thread ("" when none), and clears the queue.
std::string openssl_error();

}  // namespace nbc::detail::check
