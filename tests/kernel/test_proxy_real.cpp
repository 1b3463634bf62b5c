// The proxy stages against real proxies from Debian (microsocks, danted, tinyproxy) in the test's
// namespace: what each proxy answers for a listener, a closed port, a dropped port, a port its
// rules refuse and unreachable targets, and the outcome nbconnect makes of it (docs/proxies.md
// has the table). Targets: 8001 listens, 8002 is closed, 8003 is dropped by iptables, 8004 is
// refused by the proxy's rules; 10.1.1.1 has no route, 10.2.2.2 an "unreachable" route and
// 10.3.3.3 a "prohibit" route.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "nbconnect/endpoint.hpp"
#include "proxy/proxy_stage.hpp"
#include "support/netns.hpp"
#include "support/netns_main.hpp"
#include "support/proxies.hpp"
#include "support/single_stage_runner.hpp"

namespace nbc::test {
namespace {

using namespace std::chrono_literals;

constexpr std::uint16_t kListening = 8001, kClosed = 8002, kDropped = 8003, kBlocked = 8004;
constexpr std::uint16_t kProxyPort = 1080;

class ProxyReal : public ::testing::Test {
 protected:
  void SetUp() override {
    NBC_REQUIRE_NETNS();
    ASSERT_TRUE(listener_.ok());
    ASSERT_EQ(
        sh("ip route replace unreachable 10.2.2.0/24 && ip route replace prohibit 10.3.3.0/24"), 0);
  }

  // Runs the proxy stage on a fresh connection to the proxy, asking for host:port.
  StageRun through(const std::string& url, const char* host, std::uint16_t port,
                   std::chrono::nanoseconds timeout = 2s, int* keep_fd = nullptr) {
    auto proxy = parse_proxy_url(url);
    EXPECT_TRUE(proxy) << url;
    ConnectOptions options;
    options.proxy = *proxy;
    const int fd = connect_loopback(proxy->endpoint.port());
    EXPECT_GE(fd, 0) << "cannot reach the proxy";
    auto target = parse_ip(host, port);
    auto stage = detail::make_proxy_stage(*target, options);
    SingleStageRunner runner(*stage, fd);
    StageRun run = runner.run(timeout);
    if (keep_fd) {
      *keep_fd = fd;
    } else {
      ::close(fd);
    }
    return run;
  }

  static void expect(const StageRun& run, State state, const std::string& reason) {
    EXPECT_EQ(to_string(run.outcome.state), to_string(state));
    EXPECT_EQ(run.outcome.reason_name(), reason) << run.outcome.detail;
    EXPECT_EQ(run.outcome.phase, Phase::proxy);
    EXPECT_EQ(run.continues, state == State::open);
    EXPECT_EQ(run.outcome.proxy.find('@'), std::string::npos);
  }

  // A dropped port: the proxy's own connect hangs, nothing comes before our deadline.
  static void expect_no_answer(const StageRun& run) {
    expect(run, State::filtered, "no-response");
    EXPECT_TRUE(run.timed_out);
    EXPECT_GE(run.elapsed, 500ms);
    EXPECT_LT(run.elapsed, 3s);
    EXPECT_LT(run.cpu, 100ms) << "waiting must not spin";
  }

  Listener listener_{"127.0.0.1", kListening};
  FirewallRule drop_{"iptables", "INPUT -p tcp --dport " + std::to_string(kDropped) + " -j DROP"};
};

TEST_F(ProxyReal, MicrosocksAnswersEachTargetState) {
  auto daemon = ProxyDaemon::microsocks(kProxyPort);
  if (!daemon.error().empty()) GTEST_SKIP() << daemon.error();
  const std::string url = "socks5://127.0.0.1:1080";
  StageRun open = through(url, "127.0.0.1", kListening);
  expect(open, State::open, "syn-ack");
  EXPECT_EQ(open.outcome.proxy, url);
  expect(through(url, "127.0.0.1", kClosed), State::closed, "conn-refused");
  expect(through(url, "10.1.1.1", 80), State::filtered, "net-unreach");
  expect(through(url, "10.2.2.2", 80), State::filtered, "host-unreach");
  // EACCES from the proxy's connect: microsocks says "general failure" (0x01).
  expect(through(url, "10.3.3.3", 80), State::error, "proxy-failure");
  expect_no_answer(through(url, "127.0.0.1", kDropped, 800ms));
}

TEST_F(ProxyReal, MicrosocksWithUserAndPassword) {
  auto daemon = ProxyDaemon::microsocks(kProxyPort, "alice", "s3cret");
  if (!daemon.error().empty()) GTEST_SKIP() << daemon.error();
  expect(through("socks5://alice:s3cret@127.0.0.1:1080", "127.0.0.1", kListening), State::open,
         "syn-ack");
  expect(through("socks5://alice:wrong@127.0.0.1:1080", "127.0.0.1", kListening), State::error,
         "proxy-auth");
  // Without credentials microsocks accepts no method offered (0xff).
  expect(through("socks5://127.0.0.1:1080", "127.0.0.1", kListening), State::error, "proxy-auth");
  expect(through("socks5://alice:s3cret@127.0.0.1:1080", "127.0.0.1", kClosed), State::closed,
         "conn-refused");
}

TEST_F(ProxyReal, DanteAnswersEachTargetStateAndItsRuleset) {
  auto daemon = ProxyDaemon::dante(kProxyPort, kBlocked);
  if (!daemon.error().empty()) GTEST_SKIP() << daemon.error();
  const std::string url = "socks5://127.0.0.1:1080";
  expect(through(url, "127.0.0.1", kListening), State::open, "syn-ack");
  expect(through(url, "127.0.0.1", kClosed), State::closed, "conn-refused");
  StageRun blocked = through(url, "127.0.0.1", kBlocked);
  expect(blocked, State::filtered, "admin-prohibited");
  EXPECT_EQ(blocked.outcome.proxy_status, 0x02);
  expect(through(url, "10.1.1.1", 80), State::filtered, "net-unreach");
  expect(through(url, "10.2.2.2", 80), State::filtered, "host-unreach");
  expect(through(url, "10.3.3.3", 80), State::error, "proxy-failure");
  expect_no_answer(through(url, "127.0.0.1", kDropped, 800ms));
}

TEST_F(ProxyReal, TinyproxyAnswersEachTargetState) {
  auto daemon = ProxyDaemon::tinyproxy(kProxyPort, {kListening, kClosed, kDropped, 80});
  if (!daemon.error().empty()) GTEST_SKIP() << daemon.error();
  const std::string url = "http://127.0.0.1:1080";
  int fd = -1;
  StageRun open = through(url, "127.0.0.1", kListening, 2s, &fd);
  expect(open, State::open, "syn-ack");
  // The tunnel works after the header: what the target sends arrives whole.
  const int peer = ::accept(listener_.fd(), nullptr, nullptr);
  ASSERT_GE(peer, 0);
  ASSERT_EQ(::send(peer, "SSH-2.0-test\r\n", 14, 0), 14);
  char buf[64];
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 2000), 1);
  EXPECT_EQ(std::string(buf, static_cast<std::size_t>(::recv(fd, buf, sizeof buf, 0))),
            "SSH-2.0-test\r\n");
  ::close(peer);
  ::close(fd);
  // tinyproxy answers "500 Unable to connect" for refused and unreachable targets alike.
  StageRun closed = through(url, "127.0.0.1", kClosed);
  expect(closed, State::error, "proxy-http-500");
  EXPECT_EQ(closed.outcome.proxy_status, 500);
  expect(through(url, "10.1.1.1", 80), State::error, "proxy-http-500");
  expect(through(url, "10.2.2.2", 80), State::error, "proxy-http-500");
  // A port outside its ConnectPort rules: "403 Access violation".
  expect(through(url, "127.0.0.1", kBlocked), State::error, "proxy-denied");
  expect_no_answer(through(url, "127.0.0.1", kDropped, 800ms));
}

}  // namespace
}  // namespace nbc::test
