// The checks of issue 12 run through a proxy's tunnel (issue 13): the SOCKS5 handshake is the
// attempt's first stage, then the expect and the TLS + HTTP checks speak to the target through
// microsocks, on the same socket and deadline.
#include "cli.hpp"
#include "cli/test_scan_support.hpp"
#include "support/check_peers.hpp"
#include "support/proxies.hpp"

namespace nbc::test {
namespace {

nlohmann::json only_record(const RunResult& r) {
  auto records = json_records(r.out);
  EXPECT_EQ(records.size(), 1u) << r.out << r.err;
  return records.empty() ? nlohmann::json::object() : records[0];
}

TEST(ProxyChecksCli, ExpectAndTlsHttpChecksRunThroughTheTunnel) {
  NBC_REQUIRE_NETNS();
  auto daemon = ProxyDaemon::microsocks(1080);
  if (!daemon.error().empty()) GTEST_SKIP() << daemon.error();
  const std::string proxy = "socks5://127.0.0.1:1080";

  CheckServer banner({"banner", "SSH-2.0-nbc-test\\r\\n"});
  ASSERT_TRUE(banner.ok());
  auto ok = nbconnect({"check", "--json", "--proxy", proxy, "--expect", "^SSH-2\\.0-",
                       "127.0.0.1:" + std::to_string(banner.port())});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  auto j = only_record(ok);
  EXPECT_EQ(j.value("proxy", ""), proxy);
  EXPECT_EQ(j["check"].value("kind", ""), "expect");
  EXPECT_TRUE(j["check"].value("ok", false)) << ok.out;

  auto mismatch = nbconnect({"check", "--json", "--proxy", proxy, "--expect", "^HTTP/",
                             "127.0.0.1:" + std::to_string(banner.port())});
  EXPECT_EQ(mismatch.exit_code, 6) << mismatch.out << mismatch.err;

  const TestCerts& certs = test_certs();
  ASSERT_TRUE(certs.ok);
  CheckServer https({"tls", certs.valid, certs.key, certs.dir + "/www"});
  ASSERT_TRUE(https.ok());
  auto web = nbconnect({"check", "--json", "--proxy", proxy, "--tls", "--ca", certs.ca, "--sni",
                        "localhost", "--http", "/", "127.0.0.1:" + std::to_string(https.port())});
  EXPECT_EQ(web.exit_code, 0) << web.out << web.err;
  auto w = only_record(web);
  EXPECT_EQ(w["check"].value("kind", ""), "http");
  EXPECT_TRUE(w["check"].value("ok", false)) << web.out;
  EXPECT_EQ(w.value("phase", ""), "proxy");
}

}  // namespace
}  // namespace nbc::test
