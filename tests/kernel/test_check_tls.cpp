// The TLS check: a non-blocking handshake against a real TLS server with certificates the test
// made, verified against --ca; each way verification fails has its own reason; a server that
// never answers the ClientHello times out at the deadline without spinning; one that closes
// mid-handshake is a tls-handshake failure with OpenSSL's reason. Over every poller backend.
#include "check_support.hpp"

namespace nbc::test {
namespace {

class CheckTls : public CheckBackends {
 protected:
  void SetUp() override {
    CheckBackends::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(test_certs().ok) << "making the certificates with the openssl CLI failed";
  }
  static CheckOptions tls(const std::string& ca = test_certs().ca) {
    CheckOptions o;
    o.tls = true;
    o.ca_file = ca;
    o.sni = "localhost";
    return o;
  }
  static CheckServer server(const std::string& cert, const std::string& key = test_certs().key) {
    return CheckServer({"tls", cert, key, test_certs().dir + "/www"});
  }
};

TEST_P(CheckTls, ValidCertificateReportsTheSession) {
  CheckServer s = server(test_certs().valid);
  ASSERT_TRUE(s.ok());
  CheckOptions o = tls();
  o.alpn = {"h2", "http/1.1"};
  CheckRun run = run_check(o, s.port(), GetParam());
  ASSERT_TRUE(run.ran);
  ASSERT_TRUE(run.outcome.check) << trace_text(run);
  const CheckReport& r = *run.outcome.check;
  EXPECT_TRUE(r.ok) << trace_text(run);
  EXPECT_EQ(r.kind, CheckKind::tls);
  EXPECT_EQ(r.reason_name(), "");
  ASSERT_TRUE(r.tls);
  EXPECT_EQ(r.tls->version, "TLSv1.3");
  EXPECT_FALSE(r.tls->cipher.empty());
  EXPECT_EQ(r.tls->alpn, "http/1.1");
  EXPECT_EQ(r.tls->subject, "CN=localhost");
  EXPECT_EQ(r.tls->issuer, "CN=nbconnect-test-ca");
  EXPECT_EQ(r.tls->sans, (std::vector<std::string>{"DNS:localhost", "IP:127.0.0.1"}));
  ASSERT_TRUE(r.tls->days_left);
  EXPECT_TRUE(*r.tls->days_left == 29 || *r.tls->days_left == 30) << *r.tls->days_left;
  EXPECT_TRUE(r.tls->verified);
  EXPECT_GT(r.elapsed.count(), 0);
  EXPECT_EQ(run.outcome.state, State::open);
}

TEST_P(CheckTls, AddressTargetIsVerifiedAgainstTheIpSan) {
  CheckServer s = server(test_certs().valid);
  ASSERT_TRUE(s.ok());
  CheckOptions o = tls();
  o.sni.clear();
  CheckRun run = run_check(o, s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_TRUE(run.outcome.check->ok) << trace_text(run);
}

TEST_P(CheckTls, ExpiredCertificate) {
  CheckServer s = server(test_certs().expired);
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(tls(), s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_FALSE(run.outcome.check->ok);
  EXPECT_EQ(run.outcome.check->reason_name(), "cert-expired") << trace_text(run);
  ASSERT_TRUE(run.outcome.check->tls);
  EXPECT_LE(*run.outcome.check->tls->days_left, 0);
  EXPECT_EQ(run.outcome.state, State::open) << "the connect's state stays open";
}

TEST_P(CheckTls, SelfSignedIsUntrusted) {
  CheckServer s = server(test_certs().self_signed, test_certs().self_key);
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(tls(""), s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_EQ(run.outcome.check->reason_name(), "cert-untrusted") << trace_text(run);
  EXPECT_NE(run.outcome.check->detail.find("self-signed"), std::string::npos)
      << run.outcome.check->detail;
}

TEST_P(CheckTls, InsecureSkipsVerification) {
  CheckServer s = server(test_certs().self_signed, test_certs().self_key);
  ASSERT_TRUE(s.ok());
  CheckOptions o = tls("");
  o.insecure = true;
  CheckRun run = run_check(o, s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_TRUE(run.outcome.check->ok) << trace_text(run);
  EXPECT_FALSE(run.outcome.check->tls->verified);
}

TEST_P(CheckTls, WrongName) {
  CheckServer s = server(test_certs().wrong_name);
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(tls(), s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_EQ(run.outcome.check->reason_name(), "cert-name-mismatch") << trace_text(run);
  EXPECT_EQ(run.outcome.check->tls->sans, std::vector<std::string>{"DNS:wrong.example"});
}

TEST_P(CheckTls, WarnExpiry) {
  CheckServer s = server(test_certs().expiring);
  ASSERT_TRUE(s.ok());
  CheckOptions o = tls();
  o.warn_expiry = 10;
  CheckRun run = run_check(o, s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_EQ(run.outcome.check->reason_name(), "cert-expiring") << trace_text(run);
  o.warn_expiry = 3;
  CheckRun later = run_check(o, s.port(), GetParam());
  ASSERT_TRUE(later.outcome.check);
  EXPECT_TRUE(later.outcome.check->ok) << trace_text(later);
}

TEST_P(CheckTls, SilentServerTimesOutWithoutSpinning) {
  CheckServer s({"silent"});
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(tls(), s.port(), GetParam(), std::chrono::milliseconds(500));
  ASSERT_TRUE(run.outcome.check);
  EXPECT_EQ(run.outcome.check->reason_name(), "tls-timeout") << trace_text(run);
  EXPECT_GE(run.wall, std::chrono::milliseconds(500));
  EXPECT_LT(run.wall, std::chrono::milliseconds(1500));
  // One wait for the ServerHello, a few turns at most: a busy loop would take thousands.
  EXPECT_LE(run.waits, 3) << trace_text(run);
  EXPECT_LE(run.turns, 10);
  EXPECT_LT(run.cpu, std::chrono::milliseconds(100));
}

TEST_P(CheckTls, ServerClosingMidHandshake) {
  CheckServer s({"tls-close"});
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(tls(), s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_EQ(run.outcome.check->reason_name(), "tls-handshake") << trace_text(run);
  EXPECT_FALSE(run.outcome.check->detail.empty());
  EXPECT_LT(run.wall, std::chrono::milliseconds(1500));
}

TEST_P(CheckTls, PlainServerIsAHandshakeFailure) {
  CheckServer s({"banner", "SSH-2.0-OpenSSH_9.2\\r\\n"});
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(tls(), s.port(), GetParam());
  ASSERT_TRUE(run.outcome.check);
  EXPECT_EQ(run.outcome.check->reason_name(), "tls-handshake") << trace_text(run);
  EXPECT_NE(run.outcome.check->detail.find("wrong version number"), std::string::npos)
      << run.outcome.check->detail;
}

TEST_P(CheckTls, TraceShowsHandshakeSteps) {
  CheckServer s = server(test_certs().valid);
  ASSERT_TRUE(s.ok());
  CheckRun run = run_check(tls(), s.port(), GetParam());
  std::string text = trace_text(run);
  EXPECT_NE(text.find("TLS handshake to 127.0.0.1:"), std::string::npos) << text;
  EXPECT_NE(text.find("SSL_connect = want-read"), std::string::npos) << text;
  EXPECT_NE(text.find("SSL_connect = 1 (TLSv1.3"), std::string::npos) << text;
}

NBC_INSTANTIATE_BACKENDS(CheckTls);

}  // namespace
}  // namespace nbc::test
