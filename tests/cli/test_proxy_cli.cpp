// --proxy, --proxy-env and --proxy-concurrency as a user runs them, against real proxies started
// in the test's namespace (docs/proxies.md): the proxy's answer decides the state, problems with
// the proxy itself are error/proxy-*, records name the proxy without its password, socks5h leaves
// the name to the proxy, and a scan through microsocks agrees with a direct scan on every port.
#include <stdlib.h>

#include <map>
#include <string>

#include "cli.hpp"
#include "cli/test_scan_support.hpp"
#include "support/netns.hpp"
#include "support/proxies.hpp"

namespace nbc::test {
namespace {

using namespace std::chrono_literals;

constexpr std::uint16_t kListening = 8001, kClosed = 8002;

class ProxyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    NBC_REQUIRE_NETNS();
    ASSERT_TRUE(listener_.ok());
  }
  static nlohmann::json record(const RunResult& r) {
    auto records = json_records(r.out);
    EXPECT_EQ(records.size(), 1u) << r.out << r.err;
    return records.empty() ? nlohmann::json::object() : records[0];
  }
  static void expect_record(const RunResult& r, int exit_code, const std::string& state,
                            const std::string& reason, const std::string& phase) {
    EXPECT_EQ(r.exit_code, exit_code) << r.out << r.err;
    auto j = record(r);
    EXPECT_EQ(j.value("state", ""), state) << r.out;
    EXPECT_EQ(j.value("reason", ""), reason) << r.out;
    EXPECT_EQ(j.value("phase", ""), phase) << r.out;
  }
  Listener listener_{"127.0.0.1", kListening};
};

// A proxy given by name is resolved by nbconnect's own resolver (c-ares reads /etc/hosts), so the
// static binary needs no NSS for it; a name that does not resolve is a usage error naming it.
TEST_F(ProxyCli, AProxyGivenByNameIsResolved) {
  // On [::] it answers whichever address "localhost" names first, ::1 or 127.0.0.1.
  auto daemon = ProxyDaemon::microsocks(1081, "", "", "::");
  if (!daemon.error().empty()) GTEST_SKIP() << daemon.error();
  auto open = nbconnect({"check", "--json", "--proxy", "socks5://localhost:1081", "127.0.0.1",
                         std::to_string(kListening)});
  expect_record(open, 0, "open", "syn-ack", "proxy");
  auto bad = nbconnect({"check", "--proxy", "socks5://no-such-proxy.invalid:1080", "127.0.0.1",
                        std::to_string(kListening)},
                       10s);
  expect_usage_error(bad, "no-such-proxy.invalid");
  EXPECT_LT(bad.elapsed, 6s);
}

TEST_F(ProxyCli, CheckThroughMicrosocksWithCredentials) {
  auto daemon = ProxyDaemon::microsocks(1080, "alice", "s3cretpw");
  if (!daemon.error().empty()) GTEST_SKIP() << daemon.error();
  const std::string url = "socks5://alice:s3cretpw@127.0.0.1:1080";
  auto open = nbconnect({"check", "--json", "--proxy", url, "127.0.0.1", "8001"});
  expect_record(open, 0, "open", "syn-ack", "proxy");
  EXPECT_EQ(record(open).value("proxy", ""), "socks5://127.0.0.1:1080");
  EXPECT_EQ(record(open).value("address", ""), "127.0.0.1") << "the peer is the target";
  EXPECT_EQ(open.out.find("s3cret"), std::string::npos);
  auto closed = nbconnect({"check", "--json", "--proxy", url, "127.0.0.1", "8002"});
  expect_record(closed, 1, "closed", "conn-refused", "proxy");
  auto wrong = nbconnect(
      {"check", "--json", "--proxy", "socks5://alice:nope@127.0.0.1:1080", "127.0.0.1", "8001"});
  expect_record(wrong, 4, "error", "proxy-auth", "proxy");
  // Text: the line says which proxy, never the password; -v traces each step.
  auto text = nbconnect({"check", "-v", "--proxy", url, "127.0.0.1:8001"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("open"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("via socks5://127.0.0.1:1080"), std::string::npos) << text.out;
  for (const char* step : {"greeting", "method reply", "auth user", "CONNECT", "reply"}) {
    EXPECT_NE(text.err.find(step), std::string::npos) << step << "\n" << text.err;
  }
  EXPECT_EQ(text.err.find("s3cret"), std::string::npos) << text.err;
}

TEST_F(ProxyCli, CheckThroughTinyproxy) {
  auto daemon = ProxyDaemon::tinyproxy(3128, {kListening, kClosed});
  if (!daemon.error().empty()) GTEST_SKIP() << daemon.error();
  expect_record(
      nbconnect({"check", "--json", "--proxy", "http://127.0.0.1:3128", "127.0.0.1:8001"}), 0,
      "open", "syn-ack", "proxy");
  expect_record(
      nbconnect({"check", "--json", "--proxy", "http://127.0.0.1:3128", "127.0.0.1:8002"}), 4,
      "error", "proxy-http-500", "proxy");
  expect_record(
      nbconnect({"check", "--json", "--proxy", "http://127.0.0.1:3128", "127.0.0.1:8009"}), 4,
      "error", "proxy-denied", "proxy");
}

// A scan's rows name the reason as a single record does: the proxy's status stays in
// "proxy-http-500" in the JSON records, the CSV rows, the table and the XML (where the state
// error is nmap's "unknown").
TEST_F(ProxyCli, ScanRowsKeepTheProxysHttpStatus) {
  auto daemon = ProxyDaemon::tinyproxy(3128, {kListening, kClosed});
  if (!daemon.error().empty()) GTEST_SKIP() << daemon.error();
  const std::vector<std::string> common = {
      "-p", "8001,8002", "--no-progress", "--proxy", "http://127.0.0.1:3128", "127.0.0.1"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), common.begin(), common.end());
    return scan(extra);
  };
  auto json = with({"--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto records = by_probe(json_records(json.out));
  ASSERT_EQ(records.size(), 2u) << json.out;
  const auto open = std::make_pair(std::string("127.0.0.1"), 8001);
  const auto closed = std::make_pair(std::string("127.0.0.1"), 8002);
  EXPECT_EQ(records[open].value("reason", ""), "syn-ack") << json.out;
  EXPECT_EQ(records[closed].value("reason", ""), "proxy-http-500") << json.out;
  auto csv = with({"--csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv_probes(csv.out)[closed]["reason"], "proxy-http-500") << csv.out;
  auto table = with({});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("8002/tcp"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("proxy-http-500"), std::string::npos) << table.out;
  auto xml = with({"--xml"});
  ASSERT_EQ(xml.exit_code, 0) << xml.err;
  EXPECT_NE(xml.out.find("portid=\"8002\"><state state=\"unknown\" reason=\"proxy-http-500\""),
            std::string::npos)
      << xml.out;
}

TEST_F(ProxyCli, ProblemsWithTheProxyItselfAreErrorsNotTheTargetsState) {
  // Nothing listens on the proxy's port: refused.
  auto refused =
      nbconnect({"check", "--json", "--proxy", "socks5://127.0.0.1:1", "127.0.0.1:8001"});
  EXPECT_EQ(refused.exit_code, 4) << refused.out << refused.err;
  EXPECT_EQ(record(refused).value("state", ""), "error");
  EXPECT_EQ(record(refused).value("reason", ""), "proxy-refused");
  EXPECT_NE(record(refused).value("phase", ""), "proxy") << "the proxy never answered";
  EXPECT_EQ(record(refused).value("proxy", ""), "socks5://127.0.0.1:1");
  EXPECT_EQ(record(refused).value("address", ""), "127.0.0.1");
  EXPECT_EQ(record(refused).value("port", 0), 8001) << "the record is about the target";
  // No route to the proxy, and a proxy whose SYNs are dropped: unreachable, within -t.
  auto unreachable =
      nbconnect({"check", "--json", "--proxy", "http://10.9.9.9:3128", "127.0.0.1:8001"});
  EXPECT_EQ(unreachable.exit_code, 4) << unreachable.out;
  EXPECT_EQ(record(unreachable).value("reason", ""), "proxy-unreachable");
  ASSERT_TRUE(iptables("-A INPUT -p tcp --dport 1081 -j DROP"));
  Listener dropped("127.0.0.1", 1081);
  auto silent = nbconnect(
      {"check", "--json", "-t", "300ms", "--proxy", "socks5://127.0.0.1:1081", "127.0.0.1:8001"});
  EXPECT_EQ(silent.exit_code, 4) << silent.out;
  EXPECT_EQ(record(silent).value("reason", ""), "proxy-unreachable");
  EXPECT_EQ(record(silent).value("state", ""), "error");
}

TEST_F(ProxyCli, Socks5hSendsTheNameUnresolved) {
  auto daemon = ProxyDaemon::microsocks(1080);
  if (!daemon.error().empty()) GTEST_SKIP() << daemon.error();
  // A name that does not resolve: resolved here it would be "unresolved" (exit 5); sent to the
  // proxy, microsocks answers 0x01 (its getaddrinfo failed).
  auto r = nbconnect(
      {"check", "--json", "--proxy", "socks5h://127.0.0.1:1080", "nosuch.invalid", "8001"});
  expect_record(r, 4, "error", "proxy-failure", "proxy");
  EXPECT_TRUE(record(r)["address"].is_null()) << r.out;
  auto v = nbconnect({"check", "-v", "--proxy", "socks5h://127.0.0.1:1080", "localhost", "8001"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.err.find("CONNECT localhost:8001"), std::string::npos) << v.err;
}

// wait and ping leave the name to a socks5h proxy too: the name that does not resolve here is
// never "unresolved"; microsocks answers 0x01 for it, and connects "localhost".
TEST_F(ProxyCli, Socks5hWaitAndPingSendTheNameUnresolved) {
  auto daemon = ProxyDaemon::microsocks(1080);
  if (!daemon.error().empty()) GTEST_SKIP() << daemon.error();
  const std::string proxy = "socks5h://127.0.0.1:1080";
  auto ping = nbconnect({"ping", "--json", "-c", "1", "--proxy", proxy, "nosuch.invalid:8001"});
  EXPECT_EQ(ping.exit_code, 1) << ping.out << ping.err;
  EXPECT_NE(ping.out.find("proxy-failure"), std::string::npos) << ping.out;
  EXPECT_EQ(ping.out.find("unresolved"), std::string::npos) << ping.out;
  auto ok = nbconnect({"ping", "-v", "-c", "1", "--proxy", proxy, "localhost:8001"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.err.find("CONNECT localhost:8001"), std::string::npos) << ok.err;
  auto wait = nbconnect({"wait", "-v", "-t", "5s", "--proxy", proxy, "localhost:8001"});
  EXPECT_EQ(wait.exit_code, 0) << wait.out << wait.err;
  EXPECT_NE(wait.err.find("CONNECT localhost:8001"), std::string::npos) << wait.err;
}

TEST_F(ProxyCli, EnvironmentOnlyWithProxyEnv) {
  auto daemon = ProxyDaemon::microsocks(1080);
  if (!daemon.error().empty()) GTEST_SKIP() << daemon.error();
  ::setenv("ALL_PROXY", "socks5://127.0.0.1:1080", 1);
  auto direct = nbconnect({"check", "--json", "127.0.0.1:8001"});
  EXPECT_EQ(direct.exit_code, 0);
  EXPECT_FALSE(record(direct).contains("proxy")) << "never used silently: " << direct.out;
  auto via = nbconnect({"check", "--json", "--proxy-env", "127.0.0.1:8001"});
  expect_record(via, 0, "open", "syn-ack", "proxy");
  ::setenv("all_proxy", "socks5://user:SECRETPW@127.0.0.1", 1);  // preferred, and bad
  expect_usage_error(nbconnect({"check", "--proxy-env", "127.0.0.1:8001"}), "all_proxy");
  auto bad = nbconnect({"check", "--proxy-env", "127.0.0.1:8001"});
  EXPECT_EQ(bad.err.find("SECRETPW"), std::string::npos) << bad.err;
  ::unsetenv("all_proxy");
  ::unsetenv("ALL_PROXY");
  expect_usage_error(nbconnect({"check", "--proxy-env", "127.0.0.1:8001"}), "ALL_PROXY");
}

TEST_F(ProxyCli, BadProxyUrlsAreUsageErrors) {
  expect_usage_error(nbconnect({"check", "--proxy", "socks4://127.0.0.1:1080", "127.0.0.1:1"}),
                     "socks4");
  auto secret = nbconnect({"check", "--proxy", "socks5://u:SECRETPW@127.0.0.1", "127.0.0.1:1"});
  expect_usage_error(secret, "127.0.0.1");
  EXPECT_EQ(secret.err.find("SECRETPW"), std::string::npos) << secret.err;
  expect_usage_error(nbconnect({"scan", "--proxy-concurrency", "0", "-p", "1", "127.0.0.1"}),
                     "--proxy-concurrency");
  // Without a proxy the bound would silently mean nothing.
  expect_usage_error(nbconnect({"scan", "--proxy-concurrency", "8", "-p", "1", "127.0.0.1"}),
                     "--proxy-concurrency needs --proxy");
}

TEST_F(ProxyCli, WaitAndPingThroughAProxy) {
  auto daemon = ProxyDaemon::microsocks(1080);
  if (!daemon.error().empty()) GTEST_SKIP() << daemon.error();
  auto wait =
      nbconnect({"wait", "-t", "3s", "--proxy", "socks5://127.0.0.1:1080", "127.0.0.1:8001"});
  EXPECT_EQ(wait.exit_code, 0) << wait.out << wait.err;
  auto ping = nbconnect({"ping", "-c", "2", "-i", "50ms", "--json", "--proxy",
                         "socks5://127.0.0.1:1080", "127.0.0.1:8002"});
  auto records = json_records(ping.out);
  ASSERT_GE(records.size(), 2u) << ping.out << ping.err;
  for (const auto& j : records) {
    if (!j.contains("state")) continue;
    EXPECT_EQ(j.value("state", ""), "closed") << j.dump();
    EXPECT_EQ(j.value("proxy", ""), "socks5://127.0.0.1:1080") << j.dump();
  }
}

// Through a proxy the scan keeps min(-c, --proxy-concurrency) sockets in flight (-v says the
// window; one loop, so the window is the whole scan's): a -c above the limit is lowered and one
// line on stderr says so; a smaller -c is kept as it is, silently; without -c the limit.
TEST_F(ProxyCli, ScanWindowThroughAProxyIsTheSmallerOfBoth) {
  auto daemon = ProxyDaemon::microsocks(1080);
  if (!daemon.error().empty()) GTEST_SKIP() << daemon.error();
  auto run = [](std::vector<std::string> extra) {
    std::vector<std::string> args = {"-v",
                                     "--threads",
                                     "1",
                                     "--no-progress",
                                     "--proxy",
                                     "socks5://127.0.0.1:1080",
                                     "-p",
                                     "8001-8002",
                                     "--proxy-concurrency",
                                     "8",
                                     "--json",
                                     "127.0.0.1"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = scan(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(json_records(r.out).size(), 2u) << r.out;
    return r;
  };
  const std::string note = "nbconnect: -c 500 lowered to 8 through the proxy (--proxy-concurrency)";
  auto lowered = run({"-c", "500"});
  EXPECT_NE(lowered.err.find(note + "\n"), std::string::npos) << lowered.err;
  EXPECT_NE(lowered.err.find(", window 8\n"), std::string::npos) << lowered.err;
  auto kept = run({"-c", "3"});
  EXPECT_EQ(kept.err.find("lowered"), std::string::npos) << kept.err;
  EXPECT_NE(kept.err.find(", window 3\n"), std::string::npos) << kept.err;
  auto limit = run({});
  EXPECT_EQ(limit.err.find("lowered"), std::string::npos) << limit.err;
  EXPECT_NE(limit.err.find(", window 8\n"), std::string::npos) << limit.err;
}

TEST_F(ProxyCli, ScanThroughMicrosocksAgreesWithADirectScan) {
  auto daemon = ProxyDaemon::microsocks(1080);
  if (!daemon.error().empty()) GTEST_SKIP() << daemon.error();
  Listener l22("127.0.0.1", 22), l80("127.0.0.1", 80), l443("127.0.0.1", 443),
      l1024("127.0.0.1", 1024);
  auto direct = scan({"-p", "1-1024", "--json", "-t", "1s", "127.0.0.1"});
  auto via = scan(
      {"-p", "1-1024", "--json", "-t", "1s", "--proxy", "socks5://127.0.0.1:1080", "127.0.0.1"});
  ASSERT_EQ(direct.exit_code, 0) << direct.err;
  ASSERT_EQ(via.exit_code, 0) << via.err;
  auto a = by_probe(json_records(direct.out));
  auto b = by_probe(json_records(via.out));
  ASSERT_EQ(a.size(), 1024u);
  ASSERT_EQ(b.size(), 1024u);
  int open = 0;
  for (const auto& [probe, rec] : a) {
    ASSERT_TRUE(b.contains(probe)) << probe.second;
    EXPECT_EQ(rec.value("state", ""), b[probe].value("state", "")) << "port " << probe.second;
    open += rec.value("state", "") == "open";
    EXPECT_EQ(b[probe].value("phase", ""), "proxy") << "port " << probe.second;
  }
  EXPECT_EQ(open, 4);
}

}  // namespace
}  // namespace nbc::test
