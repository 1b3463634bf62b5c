// The expect check: the banner a server sends first (SSH-like), an answer to --send (Redis-like
// PING), a different banner, a silent server, and 1 MB of junk read only up to --read-bytes;
// over TLS too. Over every poller backend.
#include "check_support.hpp"

namespace nbc::test {
namespace {

class CheckExpect : public CheckBackends {};

CheckOptions expect(const std::string& pattern) {
  CheckOptions o;
  o.expect = pattern;
  return o;
}

TEST_P(CheckExpect, BannerMatches) {
  CheckServer s({"banner", "SSH-2.0-OpenSSH_9.2p1 Debian-2\\r\\n"});
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(expect("^SSH-2\\.0-"), s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_TRUE(run.outcome.check->ok) << trace_text(run);
  EXPECT_EQ(run.outcome.check->kind, CheckKind::expect);
  EXPECT_GT(run.outcome.check->bytes_read, 0u);
}

TEST_P(CheckExpect, SendThenMatchTheAnswer) {
  CheckServer s({"reply", "PING\\r\\n", "+PONG\\r\\n"});
  ASSERT_TRUE(s.ok());
  CheckOptions o = expect("^\\+PONG");
  o.send = "PING\r\n";
  CheckRun run = run_check(o, s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_TRUE(run.outcome.check->ok) << trace_text(run);
  std::string text = trace_text(run);
  EXPECT_NE(text.find("send("), std::string::npos) << text;
  EXPECT_NE(text.find("recv("), std::string::npos) << text;
}

TEST_P(CheckExpect, WithoutSendTheServerStaysSilent) {
  CheckServer s({"reply", "PING\\r\\n", "+PONG\\r\\n"});
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(expect("PONG"), s.port(), GetParam(), std::chrono::milliseconds(300));
  ASSERT_TRUE(run.outcome.check);
  EXPECT_EQ(run.outcome.check->reason_name(), "expect-timeout") << trace_text(run);
  EXPECT_EQ(run.outcome.check->detail, "nothing received before the deadline");
}

TEST_P(CheckExpect, WrongBannerShowsTheFirstBytesEscaped) {
  CheckServer s({"banner", "220 mail.example ESMTP\\r\\n"});
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(expect("^SSH-"), s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_EQ(run.outcome.check->reason_name(), "expect-mismatch") << trace_text(run);
  EXPECT_NE(run.outcome.check->detail.find("220 mail.example ESMTP\\r\\n"), std::string::npos)
      << run.outcome.check->detail;
}

TEST_P(CheckExpect, SilentServerTimesOutAtTheDeadline) {
  CheckServer s({"silent"});
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(expect("."), s.port(), GetParam(), std::chrono::milliseconds(400));
  ASSERT_TRUE(run.outcome.check);
  EXPECT_EQ(run.outcome.check->reason_name(), "expect-timeout");
  EXPECT_GE(run.wall, std::chrono::milliseconds(400));
  EXPECT_LT(run.wall, std::chrono::milliseconds(1400));
  EXPECT_LE(run.waits, 2);
  EXPECT_LT(run.cpu, std::chrono::milliseconds(100));
}

TEST_P(CheckExpect, JunkIsReadOnlyUpToReadBytes) {
  CheckServer s({"junk", "1048576"});
  ASSERT_TRUE(s.ok());
  CheckOptions o = expect("^SSH-");
  o.read_bytes = 4096;
  CheckRun run = run_check(o, s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_EQ(run.outcome.check->reason_name(), "expect-mismatch") << trace_text(run);
  EXPECT_EQ(run.outcome.check->bytes_read, 4096u);
  EXPECT_NE(run.outcome.check->detail.find("\\x00junk\\xff"), std::string::npos)
      << run.outcome.check->detail;
  EXPECT_LT(run.outcome.check->detail.size(), 400u);
}

TEST_P(CheckExpect, DefaultBoundOnAMegabyte) {
  CheckServer s({"junk", "1048576"});
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(expect("never there"), s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_EQ(run.outcome.check->reason_name(), "expect-mismatch") << trace_text(run);
  EXPECT_EQ(run.outcome.check->bytes_read, 64u * 1024u);
}

TEST_P(CheckExpect, OverTls) {
  ASSERT_TRUE(test_certs().ok);
  CheckServer s({"tls-banner", test_certs().valid, test_certs().key, "hello over tls\\n"});
  ASSERT_TRUE(s.ok());
  CheckOptions o = expect("^hello over tls$");
  o.tls = true;
  o.ca_file = test_certs().ca;
  CheckRun run = run_check(o, s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_TRUE(run.outcome.check->ok) << trace_text(run);
  EXPECT_EQ(run.outcome.check->kind, CheckKind::expect);
  ASSERT_TRUE(run.outcome.check->tls) << "the TLS facts stay in the report";
  EXPECT_NE(trace_text(run).find("SSL_read("), std::string::npos);
}

TEST_P(CheckExpect, PeerClosingWithoutAMatch) {
  CheckServer s({"banner", "bye"});
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(expect("hello"), s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_EQ(run.outcome.check->reason_name(), "expect-mismatch");
  EXPECT_EQ(run.outcome.check->detail, "the peer closed the connection after: bye");
}

NBC_INSTANTIATE_BACKENDS(CheckExpect);

TEST(CheckPattern, InvalidPatternNamesTheProblem) {
  EXPECT_EQ(check_pattern_error("^SSH-\\d+"), "");
  EXPECT_NE(check_pattern_error("(unclosed"), "");
}

}  // namespace
}  // namespace nbc::test
