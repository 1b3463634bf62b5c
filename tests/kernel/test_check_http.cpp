// The HTTP check against python's http.server (200, 404, and the 301 it sends for a directory
// without its slash), over TLS, with --expect on the body; a malformed status line; a slow-loris
// server sending a byte a second, cut off at the deadline. Over every poller backend.
#include "check_support.hpp"

namespace nbc::test {
namespace {

class CheckHttp : public CheckBackends {
 protected:
  void SetUp() override {
    CheckBackends::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(test_certs().ok);
  }
  static CheckOptions http(const std::string& path) {
    CheckOptions o;
    o.http_path = path;
    return o;
  }
  static std::string www() { return test_certs().dir + "/www"; }
};

TEST_P(CheckHttp, Status200) {
  CheckServer s({"http", www()});
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(http("/health"), s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_TRUE(run.outcome.check->ok) << trace_text(run);
  EXPECT_EQ(run.outcome.check->kind, CheckKind::http);
  EXPECT_EQ(run.outcome.check->http_status, 200);
}

TEST_P(CheckHttp, Status404) {
  CheckServer s({"http", www()});
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(http("/missing"), s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_FALSE(run.outcome.check->ok);
  EXPECT_EQ(run.outcome.check->reason_name(), "http-status");
  EXPECT_EQ(run.outcome.check->http_status, 404);
  EXPECT_EQ(run.outcome.check->detail, "404 File not found");
}

TEST_P(CheckHttp, Redirect301PassesTheDefaultRangeButNotANarrowOne) {
  CheckServer s({"http", www()});
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(http("/dir"), s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_TRUE(run.outcome.check->ok) << trace_text(run);
  EXPECT_EQ(run.outcome.check->http_status, 301);
  CheckOptions o = http("/dir");
  o.http_status_max = 299;
  CheckRun narrow = run_check(o, s.port(), GetParam());
  ASSERT_TRUE(narrow.outcome.check);
  EXPECT_EQ(narrow.outcome.check->reason_name(), "http-status");
  EXPECT_EQ(narrow.outcome.check->http_status, 301);
}

TEST_P(CheckHttp, ExpectOnTheBody) {
  CheckServer s({"http", www()});
  ASSERT_TRUE(s.ok());
  CheckOptions o = http("/health");
  o.expect = "^status: healthy$";
  // PCRE2 without multiline: $ matches before the final newline.
  CheckRun run = run_check(o, s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_TRUE(run.outcome.check->ok) << trace_text(run);
  o.expect = "sick";
  CheckRun wrong = run_check(o, s.port(), GetParam());
  ASSERT_TRUE(wrong.outcome.check);
  EXPECT_EQ(wrong.outcome.check->reason_name(), "expect-mismatch") << trace_text(wrong);
  EXPECT_NE(wrong.outcome.check->detail.find("status: healthy\\n"), std::string::npos)
      << wrong.outcome.check->detail;
}

TEST_P(CheckHttp, OverTls) {
  CheckServer s({"tls", test_certs().valid, test_certs().key, www()});
  ASSERT_TRUE(s.ok());
  CheckOptions o = http("/health");
  o.tls = true;
  o.ca_file = test_certs().ca;
  o.sni = "localhost";
  CheckRun run = run_check(o, s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_TRUE(run.outcome.check->ok) << trace_text(run);
  EXPECT_EQ(run.outcome.check->http_status, 200);
  ASSERT_TRUE(run.outcome.check->tls);
  EXPECT_EQ(run.outcome.check->tls->subject, "CN=localhost");
  std::string text = trace_text(run);
  EXPECT_NE(text.find("SSL_write("), std::string::npos) << text;
  EXPECT_NE(text.find("HTTP: status 200"), std::string::npos) << text;
}

TEST_P(CheckHttp, TlsFailureStopsBeforeHttp) {
  CheckServer s({"tls", test_certs().expired, test_certs().key, www()});
  ASSERT_TRUE(s.ok());
  CheckOptions o = http("/health");
  o.tls = true;
  o.ca_file = test_certs().ca;
  o.sni = "localhost";
  CheckRun run = run_check(o, s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_EQ(run.outcome.check->reason_name(), "cert-expired");
  EXPECT_EQ(run.outcome.check->kind, CheckKind::tls);
  EXPECT_EQ(trace_text(run).find("HTTP: GET"), std::string::npos);
}

TEST_P(CheckHttp, MalformedStatusLine) {
  CheckServer s({"raw", "HTTP/1.1 2x0 OK\\r\\n\\r\\n"});
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(http("/"), s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_EQ(run.outcome.check->reason_name(), "http-malformed") << trace_text(run);
  EXPECT_NE(run.outcome.check->detail.find("bad status code"), std::string::npos);
}

TEST_P(CheckHttp, NotHttpAtAll) {
  CheckServer s({"banner", "SSH-2.0-OpenSSH_9.2\\r\\n"});
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(http("/"), s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_EQ(run.outcome.check->reason_name(), "http-malformed") << trace_text(run);
}

TEST_P(CheckHttp, SlowLorisIsCutAtTheDeadline) {
  CheckServer s({"slowloris"});
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(http("/"), s.port(), GetParam(), std::chrono::milliseconds(1500));
  ASSERT_TRUE(run.outcome.check);
  EXPECT_EQ(run.outcome.check->reason_name(), "http-timeout") << trace_text(run);
  EXPECT_GE(run.wall, std::chrono::milliseconds(1500));
  EXPECT_LT(run.wall, std::chrono::milliseconds(2500));
  EXPECT_GE(run.outcome.check->bytes_read, 1u);
  EXPECT_LE(run.outcome.check->bytes_read, 3u);
}

NBC_INSTANTIATE_BACKENDS(CheckHttp);

}  // namespace
}  // namespace nbc::test
