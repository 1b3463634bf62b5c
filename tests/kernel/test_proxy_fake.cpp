// The proxy stages against fake proxies on the other end of a socket pair: every answer split a
// byte per read, bytes after the answer left for the tunnel, garbage, a proxy that closes, one
// that stalls (no answer, or half a header) — no-response with phase proxy at the deadline and no
// busy loop while waiting.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "proxy/proxy_stage.hpp"
#include "support/single_stage_runner.hpp"

namespace nbc::test {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;

// A fake proxy: after it has received `after` bytes in all, it sends `reply`, a byte per call
// (or all at once), then the next step.
class ScriptedPeer {
 public:
  struct Step {
    std::size_t after;
    std::string reply;
  };
  ScriptedPeer(int fd, std::vector<Step> steps, bool byte_at_a_time = true)
      : fd_(fd), steps_(std::move(steps)), byte_(byte_at_a_time) {}

  void operator()() {
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
      received.append(buf, static_cast<std::size_t>(n));
    }
    if (step_ >= steps_.size() || received.size() < steps_[step_].after) return;
    const std::string& reply = steps_[step_].reply;
    const std::size_t count = byte_ ? 1 : reply.size() - sent_;
    if (count > 0) {
      ASSERT_EQ(::send(fd_, reply.data() + sent_, count, MSG_NOSIGNAL),
                static_cast<ssize_t>(count));
    }
    sent_ += count;
    if (sent_ == reply.size()) {
      ++step_;
      sent_ = 0;
    }
  }

  std::string received;

 private:
  int fd_;
  std::vector<Step> steps_;
  bool byte_;
  std::size_t step_ = 0, sent_ = 0;
};

class ProxyFake : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_), 0);
    ::fcntl(fds_[0], F_SETFL, O_NONBLOCK);
  }
  void TearDown() override {
    if (fds_[0] >= 0) ::close(fds_[0]);
    if (fds_[1] >= 0) ::close(fds_[1]);
  }

  StageRun run(const std::string& url, const std::function<void()>& peer,
               std::chrono::nanoseconds timeout = 2s, const std::string& target_host = "") {
    auto proxy = parse_proxy_url(url);
    EXPECT_TRUE(proxy) << url;
    proxy->target_host = target_host;
    ConnectOptions options;
    options.proxy = *proxy;
    options.trace = [this](std::string_view line) { trace_ += std::string(line) + "\n"; };
    auto stage = detail::make_proxy_stage(*parse_ip("10.0.0.7", 8080), options);
    SingleStageRunner runner(*stage, fds_[0]);
    return runner.run(timeout, peer);
  }

  // What is left in the client's socket after the stage: the tunnel's first bytes.
  std::string left_over() {
    char buf[256];
    const ssize_t n = ::recv(fds_[0], buf, sizeof buf, MSG_DONTWAIT);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
  }

  static void expect(const StageRun& r, State state, const std::string& reason) {
    EXPECT_EQ(to_string(r.outcome.state), to_string(state));
    EXPECT_EQ(r.outcome.reason_name(), reason) << r.outcome.detail;
    EXPECT_EQ(r.outcome.phase, Phase::proxy);
  }

  static void expect_stalled(const StageRun& r) {
    expect(r, State::filtered, "no-response");
    EXPECT_TRUE(r.timed_out);
    EXPECT_GE(r.elapsed, 300ms);
    EXPECT_LT(r.elapsed, 2s);
    EXPECT_LT(r.turns, 20) << "the stage woke up without anything to read";
    EXPECT_LT(r.cpu, 50ms);
  }

  int fds_[2] = {-1, -1};
  std::string trace_;
};

const std::string kV4Reply = "\x05\x00\x00\x01\x0a\x00\x00\x09\x10\x92"s;  // bound 10.0.0.9:4242

TEST_F(ProxyFake, Socks5AnswerSplitAByteAtATime) {
  ScriptedPeer peer(fds_[1], {{3, "\x05\x00"s}, {3 + 10, kV4Reply}});
  StageRun r = run("socks5://127.0.0.1:1", std::ref(peer));
  expect(r, State::open, "syn-ack");
  EXPECT_TRUE(r.continues);
  EXPECT_EQ(peer.received,
            "\x05\x01\x00"
            "\x05\x01\x00\x01\x0a\x00\x00\x07\x1f\x90"s);
  EXPECT_NE(trace_.find("bound 10.0.0.9:4242"), std::string::npos) << trace_;
  EXPECT_NE(trace_.find("greeting"), std::string::npos) << trace_;
  EXPECT_EQ(r.outcome.proxy, "socks5://127.0.0.1:1");
}

TEST_F(ProxyFake, Socks5BytesAfterTheReplyStayForTheTunnel) {
  // The reply in uneven pieces, its last piece followed by the target's first bytes.
  ScriptedPeer peer(fds_[1],
                    {{3, "\x05"s},
                     {3, "\x00"s},
                     {13, "\x05\x00"s},
                     {13, "\x00\x01\x0a"s},
                     {13,
                      "\x00\x00\x09\x10\x92"
                      "BANNER"s}},
                    false);
  expect(run("socks5://127.0.0.1:1", std::ref(peer)), State::open, "syn-ack");
  EXPECT_EQ(left_over(), "BANNER");
}

TEST_F(ProxyFake, Socks5hUserPasswordAndDomainReplySplit) {
  const std::string auth = "\x01\x01u\x02pw"s;
  const std::string request =
      "\x05\x01\x00\x03\x0c"
      "example.test\x1f\x90"s;
  const std::string reply =
      "\x05\x05\x00\x03\x04"
      "host\x00\x00"s;
  ScriptedPeer peer(fds_[1], {{4, "\x05\x02"s},
                              {4 + auth.size(), "\x01\x00"s},
                              {4 + auth.size() + request.size(), reply}});
  StageRun r = run("socks5h://u:pw@127.0.0.1:1", std::ref(peer), 2s, "example.test");
  expect(r, State::closed, "conn-refused");
  EXPECT_FALSE(r.continues);
  EXPECT_EQ(peer.received, "\x05\x02\x00\x02"s + auth + request);
  EXPECT_EQ(r.outcome.proxy_status, 5);
  EXPECT_EQ(trace_.find("pw"), std::string::npos) << "the password is never traced: " << trace_;
}

TEST_F(ProxyFake, Socks5AuthRefused) {
  ScriptedPeer peer(fds_[1], {{4, "\x05\x02"s}, {4 + 6, "\x01\x01"s}});
  expect(run("socks5://u:pw@127.0.0.1:1", std::ref(peer)), State::error, "proxy-auth");
}

TEST_F(ProxyFake, Socks5GarbageIsAProtocolError) {
  ScriptedPeer peer(fds_[1], {{3, "HTTP/1.1 400 Bad Request\r\n\r\n"}}, false);
  StageRun r = run("socks5://127.0.0.1:1", std::ref(peer));
  expect(r, State::error, "proxy-protocol");
}

TEST_F(ProxyFake, Socks5UnknownAddressTypeIsAProtocolError) {
  ScriptedPeer peer(fds_[1], {{3, "\x05\x00"s}, {13, "\x05\x00\x00\x09\x00\x00\x00\x00"s}});
  expect(run("socks5://127.0.0.1:1", std::ref(peer)), State::error, "proxy-protocol");
}

TEST_F(ProxyFake, Socks5CloseBeforeTheReplyIsAProtocolError) {
  bool closed = false;
  ScriptedPeer peer(fds_[1], {{3, "\x05\x00"s}});
  auto script = [&] {
    peer();
    if (!closed && peer.received.size() >= 13) {
      ::shutdown(fds_[1], SHUT_WR);
      closed = true;
    }
  };
  expect(run("socks5://127.0.0.1:1", script), State::error, "proxy-protocol");
}

TEST_F(ProxyFake, Socks5SilentProxyIsNoResponseAtTheDeadlineWithoutSpinning) {
  expect_stalled(run("socks5://127.0.0.1:1", {}, 300ms));
}

TEST_F(ProxyFake, Socks5ProxyStallingMidReply) {
  ScriptedPeer peer(fds_[1], {{3, "\x05\x00"s}, {13, "\x05\x00\x00"s}}, false);
  expect_stalled(run("socks5://127.0.0.1:1", std::ref(peer), 300ms));
}

TEST_F(ProxyFake, HttpAnswerSplitAByteAtATime) {
  ScriptedPeer peer(fds_[1], {{1, "HTTP/1.1 200 Connection established\r\nVia: fake\r\n\r\n"}});
  StageRun r = run("http://user:pw@127.0.0.1:1", std::ref(peer));
  expect(r, State::open, "syn-ack");
  EXPECT_EQ(peer.received,
            "CONNECT 10.0.0.7:8080 HTTP/1.1\r\nHost: 10.0.0.7:8080\r\n"
            "Proxy-Authorization: Basic dXNlcjpwdw==\r\n\r\n");
  EXPECT_EQ(r.outcome.proxy_status, 200);
}

TEST_F(ProxyFake, HttpBytesAfterTheHeaderStayForTheTunnel) {
  ScriptedPeer peer(fds_[1], {{1, "HTTP/1.0 200 OK\r\n\r\nSSH-2.0-x\r\n"}}, false);
  expect(run("http://127.0.0.1:1", std::ref(peer)), State::open, "syn-ack");
  EXPECT_EQ(left_over(), "SSH-2.0-x\r\n");
}

TEST_F(ProxyFake, HttpStatusesMapAsDocumented) {
  struct Row {
    const char* answer;
    State state;
    const char* reason;
  };
  for (const Row& row :
       {Row{"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", State::error, "proxy-auth"},
        Row{"HTTP/1.1 403 Forbidden\r\n\r\n", State::error, "proxy-denied"},
        Row{"HTTP/1.1 502 Bad Gateway\r\n\r\n", State::filtered, "proxy-gateway"},
        Row{"HTTP/1.1 504 Gateway Timeout\r\n\r\n", State::filtered, "proxy-gateway"},
        Row{"HTTP/1.1 418 I'm a teapot\r\n\r\n", State::error, "proxy-http-418"}}) {
    TearDown();
    SetUp();
    ScriptedPeer peer(fds_[1], {{1, row.answer}}, false);
    StageRun r = run("http://127.0.0.1:1", std::ref(peer));
    expect(r, row.state, row.reason);
    EXPECT_FALSE(r.continues) << row.answer;
  }
}

TEST_F(ProxyFake, HttpGarbageAndOverlongHeaderAreProtocolErrors) {
  ScriptedPeer garbage(fds_[1], {{1, "SSH-2.0-OpenSSH_9.2\r\n\r\n"}}, false);
  expect(run("http://127.0.0.1:1", std::ref(garbage)), State::error, "proxy-protocol");
  TearDown();
  SetUp();
  std::string endless = "HTTP/1.1 200 OK\r\n";
  while (endless.size() < 20000) endless += "X-Filler: yyyyyyyyyyyyyyyy\r\n";
  ScriptedPeer overlong(fds_[1], {{1, endless}}, false);
  StageRun r = run("http://127.0.0.1:1", std::ref(overlong));
  expect(r, State::error, "proxy-protocol");
  EXPECT_NE(r.outcome.detail.find("16 KiB"), std::string::npos) << r.outcome.detail;
}

TEST_F(ProxyFake, HttpProxyStallingMidHeaderDoesNotSpin) {
  ScriptedPeer peer(fds_[1], {{1, "HTTP/1.1 200 Conn"}}, false);
  expect_stalled(run("http://127.0.0.1:1", std::ref(peer), 300ms));
}

}  // namespace
}  // namespace nbc::test
