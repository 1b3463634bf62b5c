// The checks after connect from the command line (docs/checks.md): --tls on a valid and an
// expired certificate (exit 0 and 6, the record's "check" object), the text line, -v tracing the
// handshake, --expect on a banner, ping counting a failed check as a failed probe, wait running
// its command only after /health answers 200 over TLS, and bad check options (exit 64).
#include <thread>

#include "cli/cli.hpp"
#include "support/check_peers.hpp"

namespace nbc::test {
namespace {

using Ms = std::chrono::milliseconds;

std::string port_of(const CheckServer& s) {
  return std::to_string(s.port());
}

class CheckOptionsCli : public testing::Test {
 protected:
  void SetUp() override {
    if (!netns_error().empty()) GTEST_SKIP() << netns_error();
    ASSERT_TRUE(test_certs().ok) << "making the certificates with the openssl CLI failed";
  }
  static CheckServer tls_server(const std::string& cert) {
    return CheckServer({"tls", cert, test_certs().key, test_certs().dir + "/www"});
  }
};

TEST_F(CheckOptionsCli, TlsValidCertificateJson) {
  CheckServer s = tls_server(test_certs().valid);
  ASSERT_TRUE(s.ok());
  auto r = nbconnect({"check", "--tls", "--ca", test_certs().ca, "--sni", "localhost", "--json",
                      "127.0.0.1", port_of(s)});
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["state"], "open");
  ASSERT_TRUE(j.contains("check")) << r.out;
  EXPECT_EQ(j["check"]["kind"], "tls");
  EXPECT_EQ(j["check"]["ok"], true);
  EXPECT_TRUE(j["check"]["reason"].is_null());
  EXPECT_GT(j["check"]["elapsed_ms"].get<double>(), 0.0);
  EXPECT_EQ(j["check"]["tls"]["version"], "TLSv1.3");
  EXPECT_EQ(j["check"]["tls"]["subject"], "CN=localhost");
  EXPECT_EQ(j["check"]["tls"]["issuer"], "CN=nbconnect-test-ca");
  EXPECT_EQ(j["check"]["tls"]["sans"], nlohmann::json::array({"DNS:localhost", "IP:127.0.0.1"}));
  EXPECT_EQ(j["check"]["tls"]["verified"], true);
}

TEST_F(CheckOptionsCli, TlsExpiredCertificateExitsSix) {
  CheckServer s = tls_server(test_certs().expired);
  ASSERT_TRUE(s.ok());
  auto r = nbconnect({"check", "--tls", "--ca", test_certs().ca, "--sni", "localhost", "--json",
                      "127.0.0.1", port_of(s)});
  EXPECT_EQ(r.exit_code, 6) << r.err << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["state"], "open") << "the connect's state stays open";
  EXPECT_EQ(j["check"]["ok"], false);
  EXPECT_EQ(j["check"]["reason"], "cert-expired");
  EXPECT_EQ(j["check"]["detail"], "certificate has expired");
}

TEST_F(CheckOptionsCli, TextLineShowsTheCheck) {
  CheckServer s = tls_server(test_certs().wrong_name);
  ASSERT_TRUE(s.ok());
  auto r =
      nbconnect({"check", "--ca", test_certs().ca, "--sni", "localhost", "127.0.0.1", port_of(s)});
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_NE(r.out.find(" open (syn-ack) in "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" check tls failed (cert-name-mismatch: "), std::string::npos) << r.out;
}

TEST_F(CheckOptionsCli, VerboseTracesTheHandshakeAndTheRequest) {
  CheckServer s = tls_server(test_certs().valid);
  ASSERT_TRUE(s.ok());
  auto r = nbconnect({"check", "-v", "--tls", "--ca", test_certs().ca, "--http", "/health",
                      "127.0.0.1", port_of(s)});
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.err.find("TLS handshake to 127.0.0.1:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("SSL_connect = 1 (TLSv1.3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("SSL_write("), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("SSL_read("), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("HTTP: status 200"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("check http ok"), std::string::npos) << r.out;
}

TEST_F(CheckOptionsCli, ExpectBanner) {
  CheckServer s({"banner", "SSH-2.0-OpenSSH_9.2\\r\\n"});
  ASSERT_TRUE(s.ok());
  auto ok = nbconnect({"check", "--expect", "^SSH-2\\.0-", "127.0.0.1", port_of(s)});
  EXPECT_EQ(ok.exit_code, 0) << ok.err << ok.out;
  auto bad = nbconnect({"check", "--json", "--expect", "^220 ", "127.0.0.1", port_of(s)});
  EXPECT_EQ(bad.exit_code, 6) << bad.err;
  auto j = nlohmann::json::parse(bad.out);
  EXPECT_EQ(j["check"]["kind"], "expect");
  EXPECT_EQ(j["check"]["reason"], "expect-mismatch");
  EXPECT_NE(j["check"]["detail"].get<std::string>().find("SSH-2.0-OpenSSH_9.2\\r\\n"),
            std::string::npos);
}

TEST_F(CheckOptionsCli, PingCountsAFailedCheckAsAFailedProbe) {
  CheckServer s({"banner", "SSH-2.0-x\\r\\n"});
  ASSERT_TRUE(s.ok());
  auto r =
      nbconnect({"ping", "-c", "3", "-i", "10ms", "--expect", "^220", "127.0.0.1:" + port_of(s)});
  EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
  EXPECT_NE(r.out.find("3 probes sent, 0 connected, 3 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("check min/avg/max = "), std::string::npos) << r.out;
  auto good = nbconnect(
      {"ping", "-c", "2", "-i", "10ms", "--json", "--expect", "^SSH", "127.0.0.1:" + port_of(s)});
  EXPECT_EQ(good.exit_code, 0) << good.err << good.out;
  auto lines = lines_of(good.out);
  ASSERT_EQ(lines.size(), 3u) << good.out;
  auto summary = nlohmann::json::parse(lines[2]);
  EXPECT_EQ(summary["connected"], 2);
  EXPECT_GT(summary["check_avg_ms"].get<double>(), 0.0);
}

TEST_F(CheckOptionsCli, WaitRunsTheCommandOnlyAfterHealthAnswers200) {
  std::string www = test_certs().dir + "/late";
  ASSERT_EQ(sh("mkdir -p " + www + " && rm -f " + www + "/health"), 0);
  CheckServer s({"tls", test_certs().valid, test_certs().key, www});
  ASSERT_TRUE(s.ok());
  // The health file appears 1 s later: the scenario under test, not a synchronisation.
  std::thread later([www] {
    std::this_thread::sleep_for(Ms(1000));
    sh("echo ok > " + www + "/health");
  });
  auto r = nbconnect({"wait", "-t", "10s", "--tls", "--ca", test_certs().ca, "--sni", "localhost",
                      "--http", "/health", "127.0.0.1:" + port_of(s), "--", "sh", "-c",
                      "cat " + www + "/health; exit 3"});
  later.join();
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.out, "ok\n") << "the command ran after the file existed";
  EXPECT_GE(r.elapsed, Ms(1000));
  EXPECT_LT(r.elapsed, Ms(5000));
}

TEST_F(CheckOptionsCli, WaitTimesOutWhileTheCheckFails) {
  CheckServer s = tls_server(test_certs().expired);
  ASSERT_TRUE(s.ok());
  auto r = nbconnect({"wait", "-t", "1s", "--ca", test_certs().ca, "--sni", "localhost",
                      "127.0.0.1:" + port_of(s), "--", "true"});
  EXPECT_EQ(r.exit_code, 124) << r.err;
  EXPECT_NE(r.err.find("cert-expired"), std::string::npos) << r.err;
}

// --http takes an optional PATH, which starts with '/': a word after --http that does not is
// not the path but stays a target word (`--http 127.0.0.1 PORT` GETs /); `--http /x HOST PORT`
// and `--http=/x` GET /x; `--http=x` is bad usage naming x (BadCheckOptions). The status tells
// which path was asked: http.server answers 200 for / and /health, 404 for /nosuch.
TEST_F(CheckOptionsCli, HttpPathIsOptionalAndStartsWithASlash) {
  CheckServer s({"http", test_certs().dir + "/www"});
  ASSERT_TRUE(s.ok());
  auto status = [](const RunResult& r) {
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_discarded() || !j.contains("check")) return 0;
    return j["check"].value("http_status", 0);
  };
  const std::string port = port_of(s);
  auto root = nbconnect({"check", "--json", "--http", "127.0.0.1", port});
  EXPECT_EQ(root.exit_code, 0) << root.err << root.out;
  EXPECT_EQ(status(root), 200) << root.out;
  // The same with the implied `check`, and with --http last.
  auto implied = nbconnect({"--json", "--http", "127.0.0.1", port});
  EXPECT_EQ(implied.exit_code, 0) << implied.err << implied.out;
  EXPECT_EQ(status(implied), 200) << implied.out;
  auto last = nbconnect({"check", "--json", "127.0.0.1", port, "--http"});
  EXPECT_EQ(last.exit_code, 0) << last.err << last.out;
  EXPECT_EQ(status(last), 200) << last.out;
  auto health = nbconnect({"check", "--json", "--http", "/health", "127.0.0.1", port});
  EXPECT_EQ(health.exit_code, 0) << health.err << health.out;
  EXPECT_EQ(status(health), 200) << health.out;
  auto missing = nbconnect({"check", "--json", "--http", "/nosuch", "127.0.0.1", port});
  EXPECT_EQ(missing.exit_code, 6) << missing.err << missing.out;
  EXPECT_EQ(status(missing), 404) << missing.out;
  auto glued = nbconnect({"check", "--json", "--http=/nosuch", "127.0.0.1", port});
  EXPECT_EQ(glued.exit_code, 6) << glued.err << glued.out;
  EXPECT_EQ(status(glued), 404) << glued.out;
  // wait and scan read the words the same way.
  auto wait = nbconnect({"wait", "-t", "5s", "--http", "127.0.0.1:" + port});
  EXPECT_EQ(wait.exit_code, 0) << wait.err << wait.out;
  auto scan = nbconnect({"scan", "--json", "--no-progress", "--http", "127.0.0.1", "-p", port});
  EXPECT_EQ(scan.exit_code, 0) << scan.err << scan.out;
  EXPECT_NE(scan.out.find("\"http_status\":200"), std::string::npos) << scan.out;
  expect_usage_error(nbconnect({"check", "--http=x", "127.0.0.1", port}), "'x'");
  // A word after --http that makes a target with the next one is a host: `--http web 8080`.
  auto named = nbconnect({"check", "--json", "--http", "localhost", port});
  EXPECT_EQ(named.exit_code, 0) << named.err << named.out;
  EXPECT_EQ(status(named), 200) << named.out;
}

TEST(CheckCliInput, BadCheckOptions) {
  expect_usage_error(nbconnect({"check", "--expect", "(unclosed", "127.0.0.1", "1"}), "(unclosed");
  expect_usage_error(
      nbconnect({"check", "--http", "/", "--http-status", "500-200", "127.0.0.1", "1"}), "500-200");
  expect_usage_error(nbconnect({"check", "--read-bytes", "0", "127.0.0.1", "1"}), "--read-bytes");
  expect_usage_error(nbconnect({"check", "--http=health", "127.0.0.1", "1"}), "health");
  // A forgotten slash names the path, not the port that became a third target word.
  expect_usage_error(nbconnect({"check", "--http", "health", "127.0.0.1", "1"}), "'health'");
  expect_usage_error(nbconnect({"ping", "--http", "health", "127.0.0.1", "1"}), "'health'");
  expect_usage_error(nbconnect({"check", "--http", "health", "127.0.0.1:1"}), "'health'");
  expect_usage_error(nbconnect({"ping", "--http", "health", "127.0.0.1:1"}), "'health'");
  // --read-bytes bounds what --expect or --http reads; alone it bounds nothing.
  expect_usage_error(nbconnect({"check", "--read-bytes", "10", "127.0.0.1", "1"}),
                     "--read-bytes needs --expect or --http");
  expect_usage_error(nbconnect({"check", "--ca", "/nonexistent/ca.pem", "127.0.0.1", "1"}),
                     "/nonexistent/ca.pem");
  expect_usage_error(nbconnect({"check", "--warn-expiry", "x", "127.0.0.1", "1"}), "--warn-expiry");
  expect_usage_error(nbconnect({"check", "--send", "\\q", "127.0.0.1", "1"}), "\\q");
}

}  // namespace
}  // namespace nbc::test
